import { closedEnterpriseRows } from './closedEnterprise.js';
import { constructionPermitRows } from './constructionPermit.js';
import { contaminatedSiteRows } from './contaminatedSite.js';
import { farmlandClassRows } from './farmlandClass.js';
import { fertiliserUseRows } from './fertiliserUse.js';
import { irrigationWellRows } from './irrigationWell.js';
import { keySupervisedUnitRows } from './keySupervisedUnit.js';
import { landRightChangeRows } from './landRightChange.js';
import { landUseChangeRows } from './landUseChange.js';
import { pesticideUseRows } from './pesticideUse.js';
import { priorityPlotRows } from './priorityPlot.js';
import { siteScreeningRows } from './siteScreening.js';
import { soilMonitoringRows } from './soilMonitoring.js';
import type { DemoGenerator } from './types.js';

/** The demo generator of each dataset, by dataset name. A new dataset needs one module and one line. */
export const demoGenerators: Readonly<Record<string, DemoGenerator>> = {
  pesticideUse: pesticideUseRows,
  fertiliserUse: fertiliserUseRows,
  soilMonitoring: soilMonitoringRows,
  farmlandClass: farmlandClassRows,
  landUseChange: landUseChangeRows,
  landRightChange: landRightChangeRows,
  constructionPermit: constructionPermitRows,
  closedEnterprise: closedEnterpriseRows,
  irrigationWell: irrigationWellRows,
  keySupervisedUnit: keySupervisedUnitRows,
  contaminatedSite: contaminatedSiteRows,
  siteScreening: siteScreeningRows,
  priorityPlot: priorityPlotRows,
};
