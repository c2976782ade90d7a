import SchemaBuilder from '@pothos/core';
import type { Context } from '../context.js';
import type { Geometry } from '../domain/geometry.js';

/** Configuration only: the context type, the scalars and the root types. Types live in their modules. */
interface HubTypes {
  Context: Context;
  Scalars: {
    Date: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date | string };
    GeoJSON: { Input: Geometry; Output: Geometry };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
  };
}

export type HubSchemaTypes = PothosSchemaTypes.ExtendDefaultTypes<HubTypes>;

export const builder = new SchemaBuilder<HubTypes>({});

builder.queryType({ description: '查询入口 / Query root' });
builder.mutationType({ description: '变更入口 / Mutation root' });
