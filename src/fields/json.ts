/** A value published as JSON text (a CSV cell holding GeoJSON or a JSON array), parsed; other values as they are. */
export function parsedJson(value: unknown): { value: unknown } | { invalid: true } {
  if (typeof value !== 'string') return { value };
  try {
    return { value: JSON.parse(value) };
  } catch {
    return { invalid: true };
  }
}
