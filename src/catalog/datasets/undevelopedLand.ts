import { defineDataset } from '../define.js';
import { districtField, plotCodeLinks } from '../fields.js';

/**
 * 暂不开发受污染建设用地: plots above the screening values that are not to be developed for now and are kept
 * under control. Where they are and since when is OPEN (planning must not supply the land); what exceeds
 * and how much is CONDITIONAL, as the monitoring it comes from is.
 */
export const undevelopedLand = defineDataset({
  name: 'undevelopedLand',
  position: 200,
  names: { type: 'UndevelopedLand', one: 'undevelopedLand', many: 'undevelopedLands' },
  table: 'undeveloped_land',
  zh: '暂不开发利用受污染建设用地台账',
  en: 'Ledger of contaminated construction land not yet to be developed',
  description:
    '超过筛选值且暂不开发利用的建设用地地块及其管控措施 / contaminated plots kept out of development, with their controls',
  owner: 'ECOLOGY',
  districtPublishers: true,
  // A district keeps the ledger of its own plots: the plot (YXJG-) or register site (BJML-) code names it.
  publishingScope: {
    codeNamesDistrict: {
      field: 'plotCode',
      pattern: /^(?:YXJG|BJML)-(\d{6})-[0-9A-Z]{1,20}$/,
      hint: 'a plot code YXJG-<district code>-<serial> or a register site code BJML-<district code>-<serial>',
    },
  },
  updateCycle: 'P3M',
  key: ['plotCode'],
  districtField: 'district',
  geometryField: 'boundary',
  defaultOrder: { field: 'since', direction: 'DESC' },
  fields: {
    plotCode: {
      type: 'text',
      example: 'BJML-110105-001',
      zh: '地块编码',
      en: 'Plot code',
      required: true,
      filter: true,
      sortable: true,
      search: true,
    },
    district: districtField,
    boundary: { type: 'polygon', zh: '地块边界', en: 'Plot boundary', required: true },
    reason: { type: 'text', zh: '纳入原因', en: 'Reason', maxLength: 500, required: true, search: true },
    exceedances: {
      sharing: 'CONDITIONAL',
      type: 'analyteResults',
      scale: 3,
      units: ['mg/kg'],
      maxResults: 50,
      zh: '超标检测结果',
      en: 'Results above the screening values',
    },
    controlMeasures: { type: 'textList', zh: '管控措施', en: 'Control measures' },
    since: {
      type: 'date',
      zh: '纳入日期',
      en: 'On the ledger since',
      required: true,
      filter: true,
      sortable: true,
    },
    until: { type: 'date', zh: '移出台账日期', en: 'Taken off the ledger on', filter: true, sortable: true },
  },
  links: plotCodeLinks,
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = undevelopedLand.drizzle;
