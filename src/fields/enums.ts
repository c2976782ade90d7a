/** A declared enumeration (a code list), which the `enum` kind's fields take their values from. */

export interface EnumValue {
  zh: string;
  en: string;
}

export interface EnumDef {
  /** GraphQL enum type name, e.g. `LandCategory`. */
  name: string;
  zh: string;
  en: string;
  values: Readonly<Record<string, EnumValue>>;
}
