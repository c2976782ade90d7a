import { defineDataset, defineEnum } from '../define.js';
import { analyteResultsField, creditCodeField, districtField, sampledOnField } from '../fields.js';

export const selfMonitoringMedium = defineEnum('SelfMonitoringMedium', '监测介质', 'Monitored medium', {
  SOIL: { zh: '土壤', en: 'Soil' },
  GROUNDWATER: { zh: '地下水', en: 'Groundwater' },
});

export const keyUnitSelfMonitoring = defineDataset({
  name: 'keyUnitSelfMonitoring',
  position: 180,
  names: {
    type: 'KeyUnitSelfMonitoring',
    one: 'keyUnitSelfMonitoring',
    many: 'keyUnitSelfMonitorings',
  },
  table: 'key_unit_self_monitoring',
  zh: '重点监管单位自行监测结果',
  en: 'Self-monitoring results of key supervised units',
  description:
    '重点监管单位报送的土壤和地下水自行监测分项结果 / the soil and groundwater self-monitoring results key supervised units report',
  // Reported to the ecology bureau, which keeps them; the units' measurements are shared on a grant.
  owner: 'ECOLOGY',
  updateCycle: 'P1Y',
  key: ['creditCode', 'sampledOn', 'medium', 'pointCode'],
  districtField: 'district',
  defaultOrder: { field: 'sampledOn', direction: 'DESC' },
  fields: {
    creditCode: creditCodeField('重点监管单位统一社会信用代码', 'Credit code of the key supervised unit'),
    sampledOn: sampledOnField,
    medium: {
      type: 'enum',
      enum: selfMonitoringMedium,
      zh: '监测介质',
      en: 'Medium',
      required: true,
      filter: true,
    },
    pointCode: {
      type: 'text',
      zh: '点位或监测井编号',
      en: 'Point or well code',
      required: true,
      filter: true,
      search: true,
    },
    district: districtField,
    results: analyteResultsField(['mg/kg', 'mg/L', 'μg/L'], { scale: 5 }),
  },
  links: {
    keyUnitListings: {
      kind: 'many',
      to: 'keySupervisedUnit',
      on: { creditCode: 'creditCode' },
      zh: '该单位的名录记录',
      en: 'List entries of the unit',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = keyUnitSelfMonitoring.drizzle;
