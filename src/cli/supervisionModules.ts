/** What `jingtu supervise run` loads when it runs: the rules and their evaluation. */
export { evaluateChanged, evaluateRules } from '../supervision/evaluate.js';
export { ruleById, rules } from '../supervision/rules/index.js';
