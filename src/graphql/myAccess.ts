import { canPublish } from '../access/actions.js';
import type { FieldDecision } from '../access/effectiveAccess.js';
import type { Dataset } from '../catalog/define.js';
import { datasets } from '../catalog/registry.js';
import { builder } from './builder.js';
import { MandateType } from './catalog.js';

const AccessMode = builder.enumType('AccessMode', {
  description: '读取方式 / How a field reads',
  values: {
    CLEAR: { description: '明文 / In clear' },
    MASKED: { description: '脱敏 / Masked' },
    DENIED: { description: '不可读 / Not readable' },
  },
});

const AccessReason = builder.enumType('AccessReason', {
  description: '依据 / Why',
  values: {
    ALL_FIELDS: {
      description:
        '可读全部数据集的全部字段（readAllFields，如审计员） / You read every field (readAllFields: auditors)',
    },
    OWNER: { description: '本部门的数据集 / Your own dataset' },
    PUBLIC: { description: '向社会公开 / Public field' },
    OPEN: { description: '无条件共享 / Open field' },
    MANDATE: {
      description:
        '规划明确要求共享（法定共享，见 mandate） / A plan orders the field shared with you (see mandate)',
    },
    GRANT: { description: '有条件共享，已获授权 / Conditional field under your grant' },
    NO_GRANT: { description: '有条件共享，尚无有效授权 / Conditional field: no active grant' },
    PRIVATE: { description: '不予共享 / Private field' },
  },
});

const FieldAccess = builder
  .objectRef<{ name: string; zh: string; decision: FieldDecision }>('FieldAccess')
  .implement({
    description: '对一个字段的访问权限 / Your access to one field',
    fields: (t) => ({
      field: t.string({ nullable: false, description: '字段名 / Field', resolve: (f) => f.name }),
      zh: t.string({ nullable: false, description: '中文名称 / Chinese name', resolve: (f) => f.zh }),
      mode: t.field({
        type: AccessMode,
        nullable: false,
        description: '读取方式 / Mode',
        resolve: (f) => f.decision.mode,
      }),
      reason: t.field({
        type: AccessReason,
        nullable: false,
        description: '依据 / Reason',
        resolve: (f) => f.decision.reason,
      }),
      grantId: t.id({
        description: '所依据的授权 / The grant relied on',
        resolve: (f) => f.decision.grant?.id ?? null,
      }),
      grantExpiresAt: t.field({
        type: 'DateTime',
        description: '授权有效期至 / The grant expires at',
        resolve: (f) => (f.decision.grant ? new Date(f.decision.grant.expiresAt) : null),
      }),
      mandate: t.field({
        type: MandateType,
        description:
          '所依据的法定共享（依据为 MANDATE 时），含规划依据和接收单位 / The mandate relied on (reason MANDATE): its basis and recipients',
        resolve: (f) => f.decision.mandate ?? null,
      }),
    }),
  });

const DatasetAccess = builder.objectRef<Dataset>('DatasetAccess').implement({
  description: '对一个数据集的访问权限 / Your access to one dataset',
  fields: (t) => ({
    dataset: t.exposeString('name', { nullable: false, description: '数据集 / Dataset' }),
    zh: t.exposeString('zh', { nullable: false, description: '中文名称 / Chinese name' }),
    rowScope: t.string({
      description: '仅可见本区的记录（区划代码） / Rows limited to this district (null: every row)',
      resolve: (dataset, _args, ctx) => (ctx.access.rowScope(dataset) ? ctx.principal.code : null),
    }),
    canPublish: t.boolean({
      nullable: false,
      description: '可发布记录 / May publish rows (a district only its own)',
      resolve: (dataset, _args, ctx) => canPublish(ctx.principal, dataset),
    }),
    fields: t.field({
      type: [FieldAccess],
      nullable: false,
      description: '各字段 / Fields',
      resolve: (dataset, _args, ctx) =>
        Object.entries(dataset.fields).map(([name, field]) => ({
          name,
          zh: field.zh,
          decision: ctx.access.field(dataset, name),
        })),
    }),
  }),
});

builder.queryField('myAccess', (t) =>
  t.field({
    type: [DatasetAccess],
    nullable: false,
    description: '本单位对各数据集各字段的访问权限及依据 / What you may read, field by field, and why',
    resolve: () => [...datasets],
  }),
);
