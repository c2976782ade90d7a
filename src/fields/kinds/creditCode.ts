import { creditCodeProblem } from '../../domain/creditCode.js';
import type { FieldKind } from '../kind.js';
import { storedAsText } from '../textCodes.js';

/** A unified social credit code (统一社会信用代码, GB 32100), with its check character. */
export interface CreditCodeDecl {
  type: 'creditCode';
}

const problemOf = (value: string) => {
  const problem = creditCodeProblem(value);
  return problem && `invalid credit code ${JSON.stringify(value)}: ${problem}`;
};

export const creditCode: FieldKind<CreditCodeDecl> = {
  ...storedAsText,
  type: 'creditCode',
  graphqlType: () => 'String',
  inputProblem: problemOf,
  validate(value) {
    if (typeof value !== 'string') return { reason: 'must be a unified social credit code' };
    const problem = problemOf(value);
    return problem ? { reason: problem } : { value };
  },
};
