import { closedEnterprise } from './datasets/closedEnterprise.js';
import { constructionPermit } from './datasets/constructionPermit.js';
import { contaminatedSite } from './datasets/contaminatedSite.js';
import { farmlandClass } from './datasets/farmlandClass.js';
import { fertiliserUse } from './datasets/fertiliserUse.js';
import { irrigationWell } from './datasets/irrigationWell.js';
import { keySupervisedUnit } from './datasets/keySupervisedUnit.js';
import { landRightChange } from './datasets/landRightChange.js';
import { landUseChange } from './datasets/landUseChange.js';
import { pesticideUse } from './datasets/pesticideUse.js';
import { priorityPlot } from './datasets/priorityPlot.js';
import { siteScreening } from './datasets/siteScreening.js';
import { soilMonitoring } from './datasets/soilMonitoring.js';
import type { Dataset } from './define.js';

/** Every dataset of the catalogue, in catalogue order. Adding a dataset: one file and one line here. */
export const datasets: readonly Dataset[] = [
  pesticideUse,
  fertiliserUse,
  soilMonitoring,
  farmlandClass,
  landUseChange,
  landRightChange,
  constructionPermit,
  closedEnterprise,
  irrigationWell,
  keySupervisedUnit,
  contaminatedSite,
  siteScreening,
  priorityPlot,
];

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
