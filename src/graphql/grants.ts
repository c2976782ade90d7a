import { addBusinessDays } from 'date-fns';
import {
  ANSWER_WITHIN_WORKING_DAYS,
  approveAccess,
  type GrantRow,
  listAccessRequests,
  MAX_TERM_DAYS,
  overdueBefore,
  refuseAccess,
  requestAccess,
  revokeAccess,
} from '../access/grants.js';
import { datasetByName } from '../catalog/registry.js';
import type { Context } from '../context.js';
import { MAX_PAGE_SIZE } from '../datasets/store.js';
import { builder } from './builder.js';
import { connectionType } from './connection.js';
import { maxLength } from './inputLengths.js';

const GrantStatus = builder.enumType('GrantStatus', {
  description: '授权申请状态 / Status of an access request',
  values: {
    PENDING: { description: '待审批 / Waiting for the owner' },
    APPROVED: { description: '已批准且在有效期内 / Approved and not expired' },
    EXPIRED: { description: '已过期 / Approved, but past its expiry' },
    REFUSED: { description: '已拒绝 / Refused by the owner' },
    REVOKED: { description: '已撤销 / Revoked by the owner or an auditor' },
  },
});

const toDate = (value: string | null) => (value ? new Date(value) : null);

function statusOf(grant: GrantRow): string {
  if (grant.status === 'APPROVED' && grant.expiresAt && new Date(grant.expiresAt).getTime() <= Date.now()) {
    return 'EXPIRED';
  }
  return grant.status;
}

export const AccessGrant = builder.objectRef<GrantRow>('AccessGrant').implement({
  description: '有条件共享授权申请 / A request for conditional access, and the grant if approved',
  fields: (t) => {
    /** A moment the request may not have reached yet (null until then). */
    const stamp = (column: 'decidedAt' | 'expiresAt' | 'revokedAt', description: string) =>
      t.field({ type: 'DateTime', description, resolve: (grant) => toDate(grant[column]) });
    return {
      id: t.exposeID('id', { nullable: false, description: '编号 / Request id' }),
      dataset: t.exposeString('dataset', { nullable: false, description: '数据集 / Dataset' }),
      datasetZh: t.string({
        nullable: false,
        description: '数据集中文名称 / Chinese name of the dataset',
        resolve: (grant) => datasetByName(grant.dataset)?.zh ?? grant.dataset,
      }),
      fields: t.exposeStringList('fields', { nullable: false, description: '申请的字段 / Fields requested' }),
      requester: t.exposeString('requester', {
        nullable: false,
        description: '申请单位 / Requesting principal',
      }),
      purpose: t.exposeString('purpose', { nullable: false, description: '用途 / Purpose' }),
      termDays: t.exposeInt('termDays', {
        nullable: false,
        description: '申请期限（天） / Term asked for, in days',
      }),
      status: t.field({
        type: GrantStatus,
        nullable: false,
        description: '状态 / Status',
        resolve: (grant) => statusOf(grant) as never,
      }),
      requestedAt: t.field({
        type: 'DateTime',
        nullable: false,
        description: '申请时间 / Requested at',
        resolve: (grant) => new Date(grant.requestedAt),
      }),
      answerDueBy: t.field({
        type: 'DateTime',
        nullable: false,
        description: `答复期限（${ANSWER_WITHIN_WORKING_DAYS} 个工作日） / Answer due within ${ANSWER_WITHIN_WORKING_DAYS} working days`,
        resolve: (grant) => addBusinessDays(new Date(grant.requestedAt), ANSWER_WITHIN_WORKING_DAYS),
      }),
      overdue: t.boolean({
        nullable: false,
        description: '已超期未答复 / Pending past its answer due date',
        resolve: (grant) => grant.status === 'PENDING' && new Date(grant.requestedAt) < overdueBefore(),
      }),
      decidedBy: t.exposeString('decidedBy', { description: '审批单位 / Decided by' }),
      decidedAt: stamp('decidedAt', '审批时间 / Decided at'),
      decisionReason: t.exposeString('decisionReason', { description: '拒绝理由 / Reason of a refusal' }),
      expiresAt: stamp('expiresAt', '授权有效期至 / Grant valid until'),
      revokedBy: t.exposeString('revokedBy', { description: '撤销单位 / Revoked by' }),
      revokedAt: stamp('revokedAt', '撤销时间 / Revoked at'),
      revokeReason: t.exposeString('revokeReason', { description: '撤销理由 / Reason of the revocation' }),
    };
  },
});

const AccessGrantConnection = connectionType(AccessGrant, 'AccessGrant', '授权申请', 'access requests');

builder.queryField('accessGrants', (t) =>
  t.field({
    type: AccessGrantConnection,
    nullable: false,
    description:
      '授权申请，按申请时间从新到旧：本单位提出的，以及针对本单位数据集的；审计员可见全部 / Access requests you made or that concern your datasets (auditors: all), newest first',
    args: {
      status: t.arg({ type: [GrantStatus], description: '状态 / Status' }),
      dataset: t.arg.string({ description: '数据集 / Dataset', ...maxLength('name') }),
      overdue: t.arg.boolean({ description: '仅超期未答复的 / Only overdue requests' }),
      first: t.arg.int({
        description: `每页条数，默认 100，最多 ${MAX_PAGE_SIZE} / Page size (default 100, at most ${MAX_PAGE_SIZE})`,
      }),
      after: t.arg.string({
        description: '上一页的 endCursor / The endCursor of the previous page',
        ...maxLength('id'),
      }),
    },
    resolve: (_root, args, ctx) => listAccessRequests(ctx.db, ctx.principal, args),
  }),
);

const AccessRequestInput = builder.inputType('AccessRequestInput', {
  description: '有条件共享申请 / A request for conditional access',
  fields: (t) => ({
    dataset: t.string({
      required: true,
      description: '数据集标识 / Dataset id (see the catalogue)',
      ...maxLength('name'),
    }),
    fields: t.stringList({
      required: true,
      description: '申请的有条件共享字段 / CONDITIONAL fields asked for',
      ...maxLength('name'),
    }),
    purpose: t.string({ required: true, description: '用途 / Purpose', ...maxLength('prose') }),
    termDays: t.int({
      required: true,
      description: `期限（天，1–${MAX_TERM_DAYS}） / Term in days (1–${MAX_TERM_DAYS})`,
    }),
  }),
});

/** Grant decisions go into the request's audit record (等保: every important action, with its outcome). */
function audited<G extends { id: string; dataset: string; requester: string; status: string }>(
  ctx: Context,
  action: string,
  grant: G,
): G {
  ctx.audit.action({
    action,
    grant: grant.id,
    dataset: grant.dataset,
    requester: grant.requester,
    status: grant.status,
  });
  return grant;
}

builder.mutationField('requestAccess', (t) =>
  t.field({
    type: AccessGrant,
    nullable: false,
    description: '申请有条件共享字段的访问授权 / Ask the owner for access to conditional fields',
    args: {
      input: t.arg({ type: AccessRequestInput, required: true, description: '申请内容 / The request' }),
    },
    resolve: async (_root, { input }, ctx) =>
      audited(ctx, 'REQUEST_ACCESS', await requestAccess(ctx.db, ctx.principal, input)),
  }),
);

builder.mutationField('approveAccess', (t) =>
  t.field({
    type: AccessGrant,
    nullable: false,
    description: '数据集责任部门批准申请 / The owner approves a pending request',
    args: {
      id: t.arg.id({ required: true, description: '申请编号 / Request id', ...maxLength('id') }),
      expiresAt: t.arg({
        type: 'DateTime',
        description:
          '有效期至，默认且最长为自现在起的申请期限 / Valid until (default and latest: the requested term from now)',
      }),
    },
    resolve: async (_root, args, ctx) =>
      audited(
        ctx,
        'APPROVE_ACCESS',
        await approveAccess(ctx.db, ctx.principal, String(args.id), args.expiresAt),
      ),
  }),
);

/** refuseAccess and revokeAccess: the request named, closed with a reason the requester is shown. */
function closingMutation(
  name: string,
  action: string,
  close: typeof refuseAccess,
  description: string,
  reasonZh: string,
) {
  builder.mutationField(name, (t) =>
    t.field({
      type: AccessGrant,
      nullable: false,
      description,
      args: {
        id: t.arg.id({ required: true, description: '申请编号 / Request id', ...maxLength('id') }),
        reason: t.arg.string({ required: true, description: `${reasonZh} / Reason`, ...maxLength('prose') }),
      },
      resolve: async (_root, args, ctx) =>
        audited(ctx, action, await close(ctx.db, ctx.principal, String(args.id), args.reason)),
    }),
  );
}

closingMutation(
  'refuseAccess',
  'REFUSE_ACCESS',
  refuseAccess,
  '数据集责任部门拒绝申请（须说明理由） / The owner refuses a pending request, with a reason',
  '拒绝理由',
);
closingMutation(
  'revokeAccess',
  'REVOKE_ACCESS',
  revokeAccess,
  '责任部门或审计员撤销授权 / The owner or an auditor revokes a grant',
  '撤销理由',
);
