import type { Faker } from '@faker-js/faker';
import { creditCodeCheckCharacter } from '../domain/creditCode.js';

/**
 * Unified social credit codes (GB 32100) as Beijing issues them: registration authority and organisation
 * type (91 = enterprise registered with market regulation, 11 = government body), the 6-digit division
 * code of the registering district, a 9-character organisation code, and the check character.
 */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** The old 9-character organisation code (GB 11714): 8 digits and a check character (0-9 or X). */
function legacyOrganisationCode(f: Faker): string {
  const body = f.string.numeric({ length: 8, allowLeadingZeros: true });
  const sum = [...body].reduce((s, c, i) => s + Number(c) * ORG_WEIGHTS[i], 0);
  const check = 11 - (sum % 11);
  return body + (check === 10 ? 'X' : check === 11 ? '0' : String(check));
}

/** The organisation code of an enterprise registered since 2015: MA0 and six more characters. */
function newOrganisationCode(f: Faker): string {
  let code = 'MA0';
  for (let i = 0; i < 6; i++) code += ALPHABET[f.number.int({ min: 0, max: ALPHABET.length - 1 })];
  return code;
}

export class CreditCodeIssuer {
  private readonly used = new Set<string>();

  constructor(private readonly f: Faker) {}

  /** A fresh, valid code. `legacy` picks the pre-2015 organisation code form. */
  issue(area: string, options: { kind?: '91' | '11'; legacy?: boolean } = {}): string {
    for (;;) {
      const org = options.legacy ? legacyOrganisationCode(this.f) : newOrganisationCode(this.f);
      const first17 = `${options.kind ?? '91'}${area}${org}`;
      const code = first17 + creditCodeCheckCharacter(first17);
      if (!this.used.has(code)) {
        this.used.add(code);
        return code;
      }
    }
  }
}
