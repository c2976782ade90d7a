import { assertReadAudit, assertVerifyAudit } from '../access/actions.js';
import { verifyAuditChain } from '../audit/chain.js';
import { type StoredAuditRecord, searchAuditLog } from '../audit/search.js';
import { builder } from './builder.js';
import { maxLength } from './inputLengths.js';

/** The audit trail, for holders of readAudit (auditors, the ecology bureau); its chain, of verifyAudit. */

const MAX_AUDIT_PAGE = 1000;

const AuditRecord = builder.objectRef<StoredAuditRecord>('AuditRecord').implement({
  description: '一条审计记录（只增不改，哈希链） / One audit record (append-only, hash-chained)',
  fields: (t) => ({
    seq: t.exposeInt('seq', { nullable: false, description: '序号 / Sequence number' }),
    at: t.field({
      type: 'DateTime',
      nullable: false,
      description: '时间 / When',
      resolve: (r) => new Date(r.at),
    }),
    event: t.exposeString('event', {
      nullable: false,
      description:
        '事件类型：GRAPHQL、BULK_EXPORT、BULK_CHANGES、BULK_PUBLISH、REPORT、KEY_CREATE、KEY_REVOKE、PULL_PUBLISH、CONFIG、DOCUMENTS_REGISTER（登记可信文档）、BACKUP、RESTORE（嵌入式数据库的备份与恢复）、LOGIN、LOGIN_REFUSED、LOGOUT（单点登录的会话：登录、被拒的登录、退出），以及 UNAUTHENTICATED_REQUESTS（某地址一分钟内首次之后无有效密钥被拒的请求计数） / Event type (DOCUMENTS_REGISTER: trusted documents registered by `jingtu documents push`; BACKUP, RESTORE: the embedded database backed up or restored by `jingtu backup`/`restore`; LOGIN, LOGIN_REFUSED, LOGOUT: single sign-on sessions opened, refused and ended); UNAUTHENTICATED_REQUESTS counts the requests without a valid key refused from one address in one minute after its first (detail: address, from, to, count, outcomes, events)',
    }),
    principal: t.exposeString('principal', { description: '调用方（认证失败时为空） / Principal' }),
    keyId: t.exposeString('keyId', { description: 'API 密钥编号 / API key id' }),
    requestId: t.exposeString('requestId', { description: '请求编号 / Request id' }),
    operationName: t.exposeString('operationName', { description: '操作名称 / Operation name' }),
    documentHash: t.exposeString('documentHash', {
      description: '查询文档的 SHA-256 / SHA-256 of the GraphQL document',
    }),
    outcome: t.exposeString('outcome', {
      nullable: false,
      description:
        '结果：OK、PARTIAL、FAILED、UNAUTHENTICATED、RATE_LIMITED、UNAVAILABLE、TIMEOUT、CUT_SHORT，计数记录为 REFUSED / Outcome (REFUSED: a count of refusals)',
    }),
    detail: t.field({
      type: 'JSONObject',
      nullable: false,
      description:
        '读取的数据集字段及方式（CLEAR/MASKED/DENIED）、行数、使用的授权、操作、错误 / Fields read and how, rows, grants used, actions, errors',
      resolve: (r) => r.detail as Record<string, unknown>,
    }),
    hash: t.exposeString('hash', { nullable: false, description: '本记录哈希 / This record’s hash' }),
    prevHash: t.exposeString('prevHash', {
      nullable: false,
      description: '前一记录哈希 / The previous hash',
    }),
  }),
});

const AuditPage = builder
  .objectRef<{ records: StoredAuditRecord[]; hasMore: boolean }>('AuditRecordPage')
  .implement({
    description: '一页审计记录（按时间先后） / A page of audit records, oldest first',
    fields: (t) => ({
      records: t.field({
        type: [AuditRecord],
        nullable: false,
        description: '记录 / Records',
        resolve: (p) => p.records,
      }),
      hasMore: t.exposeBoolean('hasMore', { nullable: false, description: '还有更多 / More follow' }),
      endCursor: t.int({
        description: '下一页从此序号之后开始 / Pass as `after` for the next page',
        resolve: (p) => p.records.at(-1)?.seq ?? null,
      }),
    }),
  });

const AuditFilter = builder.inputType('AuditFilter', {
  description: '审计查询条件 / What to look for in the audit trail',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', description: '起始时间（含） / From (inclusive)' }),
    to: t.field({ type: 'DateTime', description: '截止时间（不含） / To (exclusive)' }),
    principal: t.string({ description: '调用方代码 / Principal code', ...maxLength('name') }),
    dataset: t.string({ description: '读取了该数据集 / Read this dataset', ...maxLength('name') }),
    field: t.string({
      description: '读取了该字段（明文或脱敏，需同时给出数据集） / Read this field (with dataset)',
      ...maxLength('name'),
    }),
    grant: t.id({ description: '使用了该授权 / Used this grant', ...maxLength('id') }),
    event: t.string({ description: '事件类型 / Event type', ...maxLength('name') }),
  }),
});

builder.queryField('auditLog', (t) =>
  t.field({
    type: AuditPage,
    nullable: false,
    description:
      '审计记录查询（审计员、生态环境部门）：谁在何时读了哪个字段、某调用方读了什么、用了哪些授权 / The audit trail, for auditors and ECOLOGY',
    args: {
      filter: t.arg({ type: AuditFilter, description: '条件 / Filter' }),
      first: t.arg.int({ description: `条数，默认 100，最多 ${MAX_AUDIT_PAGE} / Page size` }),
      after: t.arg.int({ description: '上一页的 endCursor / The endCursor of the previous page' }),
    },
    resolve: async (_root, args, ctx) => {
      assertReadAudit(ctx.principal);
      const first = Math.min(Math.max(args.first ?? 100, 1), MAX_AUDIT_PAGE);
      const filter = args.filter ?? {};
      const rows = await searchAuditLog(ctx.db.$client, {
        ...filter,
        grant: filter.grant == null ? null : String(filter.grant),
        after: args.after,
        first,
      });
      return { records: rows.slice(0, first), hasMore: rows.length > first };
    },
  }),
);

const AuditBreak = builder.objectRef<{ seq: number; reason: string }>('AuditChainBreak').implement({
  description: '哈希链断点 / Where the audit chain breaks',
  fields: (t) => ({
    seq: t.exposeInt('seq', { nullable: false, description: '首个异常记录序号 / The first broken record' }),
    reason: t.exposeString('reason', { nullable: false, description: '原因 / Why' }),
  }),
});

const AuditVerification = builder
  .objectRef<{ intact: boolean; checked: number; firstBroken: { seq: number; reason: string } | null }>(
    'AuditVerification',
  )
  .implement({
    description: '审计哈希链校验结果 / The audit chain, checked',
    fields: (t) => ({
      intact: t.exposeBoolean('intact', { nullable: false, description: '完整未被篡改 / Intact' }),
      checked: t.exposeInt('checked', { nullable: false, description: '校验的记录数 / Records checked' }),
      firstBroken: t.field({
        type: AuditBreak,
        description: '首个断点 / The first break, if any',
        resolve: (v) => v.firstBroken,
      }),
    }),
  });

builder.queryField('auditVerify', (t) =>
  t.field({
    type: AuditVerification,
    nullable: false,
    description: '校验审计记录的哈希链（审计员） / Verify the audit hash chain (auditors)',
    resolve: (_root, _args, ctx) => {
      assertVerifyAudit(ctx.principal);
      return verifyAuditChain(ctx.db.$client);
    },
  }),
);
