import type { Principal } from '../access/principal.js';
import { builder } from './builder.js';

const PrincipalType = builder.objectRef<Principal>('Principal').implement({
  description:
    '调用方（持有 API 密钥的部门、区或审计员） / The caller: the department, district or auditor holding the key',
  fields: (t) => ({
    code: t.exposeString('code', { description: '代码（部门代码或区划代码） / Department or district code' }),
    kind: t.exposeString('kind', { description: '类别：DEPARTMENT、DISTRICT、AUDITOR / Kind of principal' }),
    nameZh: t.exposeString('nameZh', { description: '中文名称 / Chinese name' }),
    nameEn: t.exposeString('nameEn', { description: '英文名称 / English name' }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: PrincipalType,
    nullable: false,
    description: '当前调用方 / Who the current API key belongs to',
    resolve: (_root, _args, ctx) => ctx.principal,
  }),
);
