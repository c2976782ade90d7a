import { datasets } from './catalogue.generated.js';
import type { Dataset } from './define.js';

export { datasets };

const byName = new Map(datasets.map((d) => [d.name, d]));

export function datasetByName(name: string): Dataset | undefined {
  return byName.get(name);
}

/** Checks that every cross-link names a declared dataset and fields of the right kinds. */
function checkLinks(): void {
  for (const dataset of datasets) {
    for (const [linkName, link] of Object.entries(dataset.links ?? {})) {
      const target = byName.get(link.to);
      const where = `dataset ${dataset.name}, link ${linkName}`;
      if (!target) throw new Error(`${where}: unknown target dataset ${link.to}`);
      if (link.kind === 'overlap') {
        if (!['polygon', 'point'].includes(dataset.fields[link.from]?.type ?? '')) {
          throw new Error(`${where}: ${link.from} is not a geometry field`);
        }
        if (!['polygon', 'point'].includes(target.fields[link.toField]?.type ?? '')) {
          throw new Error(`${where}: ${link.to}.${link.toField} is not a geometry field`);
        }
      } else {
        for (const [local, remote] of Object.entries(link.on)) {
          if (!dataset.fields[local]) throw new Error(`${where}: unknown field ${local}`);
          if (!target.fields[remote]) throw new Error(`${where}: unknown field ${link.to}.${remote}`);
        }
      }
    }
  }
}
checkLinks();
