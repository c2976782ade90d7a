import type { Dataset } from '../catalog/define.js';
import { datasetByName, datasets } from '../catalog/registry.js';
import type { LinkDef } from '../catalog/types.js';
import { MAX_LINK_DEPTH } from '../datasets/filters.js';
import { builder } from './builder.js';
import { bilingual } from './describe.js';

/**
 * Filters on cross-links, derived from the links of the catalogue (src/datasets/filters.ts holds their SQL
 * and rules): a list is filtered by its records' linked records, with the target dataset's own filter as the
 * condition, as Prisma and PostGraphile's connection filter do. A to-many or overlap link takes `some`,
 * `none` and `every`: `landUseChanges(filter: { overlappingRegisterSites: { some: { status: [LISTED] } } })`;
 * a to-one link `exists` and `is`: `closedEnterprises(filter: { screening: { exists: true } })`.
 */

const toMany = (link: LinkDef) => link.kind !== 'one';
const linksFilterName = (target: Dataset) => `${target.names.type}LinksFilter`;
const linkFilterName = (target: Dataset) => `${target.names.type}LinkFilter`;
const filterName = (target: Dataset) => `${target.names.type}Filter`;

const SCOPE = `只计调用方可见的现行关联记录（区级只计本区），关联筛选最多嵌套 ${MAX_LINK_DEPTH} 层 / Only the live linked records the caller may see count (a district: its own district's); link filters nest at most ${MAX_LINK_DEPTH} links deep`;

function linksFilter(target: Dataset) {
  builder.inputType(linksFilterName(target), {
    description: bilingual(`按关联的${target.zh}筛选`, `Filter by linked records of ${target.en}`, SCOPE),
    fields: (t) => ({
      some: t.field({
        type: filterName(target) as any,
        description:
          '至少一条关联记录满足（{}：有关联记录） / At least one linked record matches ({}: there is one)',
      }),
      none: t.field({
        type: filterName(target) as any,
        description: '没有关联记录满足（{}：没有关联记录） / No linked record matches ({}: there is none)',
      }),
      every: t.field({
        type: filterName(target) as any,
        description:
          '每条关联记录都满足（没有关联记录时也成立） / Every linked record matches (also when there is none)',
      }),
    }),
  });
}

function linkFilter(target: Dataset) {
  builder.inputType(linkFilterName(target), {
    description: bilingual(`按关联的${target.zh}筛选`, `Filter by the linked record of ${target.en}`, SCOPE),
    fields: (t) => ({
      exists: t.boolean({
        description: '关联记录存在（true）或不存在（false） / The linked record exists (true) or not (false)',
      }),
      is: t.field({
        type: filterName(target) as any,
        description: '关联记录存在且满足 / The linked record exists and matches',
      }),
    }),
  });
}

// One input type per target and kind of link, whichever datasets link to it.
const declared = new Set<string>();
for (const dataset of datasets) {
  for (const link of Object.values(dataset.links ?? {})) {
    const target = datasetByName(link.to) as Dataset;
    const name = toMany(link) ? linksFilterName(target) : linkFilterName(target);
    if (declared.has(name)) continue;
    declared.add(name);
    if (toMany(link)) linksFilter(target);
    else linkFilter(target);
  }
}

/** The link filters of a dataset's filter input, one per cross-link. */
export function linkFilterFields(
  t: PothosSchemaTypes.InputFieldBuilder<any, 'InputObject'>,
  dataset: Dataset,
) {
  return Object.fromEntries(
    Object.entries(dataset.links ?? {}).map(([name, link]) => {
      const target = datasetByName(link.to) as Dataset;
      return [
        name,
        t.field({
          type: (toMany(link) ? linksFilterName(target) : linkFilterName(target)) as any,
          description: bilingual(
            link.zh,
            link.en,
            '按关联记录筛选，需可明文读取关联字段 / Filter by the linked records: you must read the fields the link joins on in clear',
          ),
        }),
      ];
    }),
  );
}
