import { readFileSync } from 'node:fs';
import {
  isEnumType,
  isInputObjectType,
  isIntrospectionType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { datasets } from '../src/catalog/registry.js';
import { printedSchema, schema } from '../src/graphql/schema.js';

const CHINESE = /[\u4e00-\u9fff]/;
const ENGLISH = /[A-Za-z]{3}/;

function expectBilingual(where: string, description: string | null | undefined) {
  expect(description, `${where} has no description`).toBeTruthy();
  expect(description, `${where} has no Chinese`).toMatch(CHINESE);
  expect(description, `${where} has no English`).toMatch(ENGLISH);
}

describe('schema', () => {
  it('matches the checked-in SDL (run `npm run schema:print` after a change)', () => {
    expect(readFileSync(new URL('../schema/schema.graphql', import.meta.url), 'utf8')).toBe(printedSchema());
  });

  it('describes every type, field, argument and enum value in Chinese and English', () => {
    let checked = 0;
    for (const type of Object.values(schema.getTypeMap())) {
      if (isIntrospectionType(type) || (isScalarType(type) && isSpecifiedScalarType(type))) continue;
      expectBilingual(type.name, type.description);
      if (isObjectType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          expectBilingual(`${type.name}.${field.name}`, field.description);
          checked++;
          for (const arg of 'args' in field ? field.args : []) {
            expectBilingual(`${type.name}.${field.name}(${arg.name})`, arg.description);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues())
          expectBilingual(`${type.name}.${value.name}`, value.description);
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('has a connection and a natural-key lookup for every dataset', () => {
    const query = schema.getQueryType()?.getFields() ?? {};
    for (const dataset of datasets) {
      expect(query[dataset.names.many]?.type.toString()).toBe(`${dataset.names.type}Connection!`);
      expect(query[dataset.names.one]?.args.map((a) => a.name).sort()).toEqual([...dataset.key].sort());
    }
  });

  it('serializes dates in ISO form and refuses what is not one, in and out', () => {
    const date = schema.getType('Date');
    if (!isScalarType(date)) throw new Error('no Date scalar');
    expect(date.serialize('2024-02-29')).toBe('2024-02-29');
    // what a date column cannot give passes only the full check, which refuses it
    for (const bad of ['2024-2-29', '10000-01-01', '2020-01-01 BC', 20240229, null]) {
      expect(() => date.serialize(bad), String(bad)).toThrow(/LocalDate|not string/);
    }
    expect(date.parseValue('2024-02-29')).toBe('2024-02-29');
    // inputs get the calendar check too: no 30 February
    expect(() => date.parseValue('2023-02-30')).toThrow(/not a valid LocalDate/);
  });
});
