import { describe, expect, it } from 'vitest';
import { defineDataset } from '../src/catalog/define.js';
import { datasetByName } from '../src/catalog/registry.js';
import type { FieldDef } from '../src/catalog/types.js';
import { withTestHub } from './support/hub.js';

/** The resource-sharing catalogue (资源共享目录) over HTTP says what the declarations say, for any caller. */

const hub = withTestHub();

const CATALOG = `{ catalog {
  name zh en owner publishers districtPublishers publishingScope sharingMethods updateCycle naturalKey queryField
  fields { name zh en type required sharing personal mask maskDescription } } }`;

/**
 * The catalogue written out from the declarations and ../shared/DOMAIN.md (owners, extra publishers,
 * natural keys, personal data), not computed by the code under test: a field per line, with its type,
 * sharing class (a personal field with no class is PRIVATE) and marks. A change here is a change of who
 * may read what, made on purpose.
 */
const EXPECTED: Record<
  string,
  {
    zh: string;
    owner: string;
    publishers?: string[];
    districtPublishers?: true;
    cycle: string;
    key: string[];
    list: string;
    fields: string;
  }
> = {
  pesticideUse: {
    zh: '农药使用',
    owner: 'AGRICULTURE',
    publishers: ['FORESTRY'],
    cycle: 'P1M',
    key: ['sourceId'],
    list: 'pesticideUses',
    fields: `
      sourceId                  text       OPEN        required
      year                      integer    OPEN        required
      period                    enum       OPEN        required
      district                  district   OPEN        required
      town                      text       OPEN
      landCategory              enum       OPEN        required
      crop                      text       OPEN
      product                   text       OPEN
      activeIngredient          text       OPEN
      toxicityClass             enum       OPEN
      amountKg                  number     OPEN        required
      areaMu                    number     OPEN
      applicatorName            text       PRIVATE     personal mask:name
      applicatorPhone           text       PRIVATE     personal mask:phone
    `,
  },
  fertiliserUse: {
    zh: '化肥使用',
    owner: 'AGRICULTURE',
    publishers: ['FORESTRY'],
    cycle: 'P1M',
    key: ['sourceId'],
    list: 'fertiliserUses',
    fields: `
      sourceId                  text       OPEN        required
      year                      integer    OPEN        required
      period                    enum       OPEN        required
      district                  district   OPEN        required
      town                      text       OPEN
      landCategory              enum       OPEN        required
      crop                      text       OPEN
      fertiliserType            enum       OPEN        required
      amountKg                  number     OPEN        required
      pureAmountKg              number     OPEN
      areaMu                    number     OPEN
    `,
  },
  soilMonitoring: {
    zh: '土壤环境监测',
    owner: 'AGRICULTURE',
    publishers: ['FORESTRY'],
    cycle: 'P1Y',
    key: ['pointCode', 'sampledOn'],
    list: 'soilMonitorings',
    fields: `
      pointCode                 text       OPEN        required
      sampledOn                 date       OPEN        required
      district                  district   OPEN        required
      town                      text       OPEN
      location                  point      CONDITIONAL required
      landCategory              enum       OPEN        required
      ph                        number     OPEN
      cadmium                   number     CONDITIONAL
      mercury                   number     CONDITIONAL
      arsenic                   number     CONDITIONAL
      lead                      number     CONDITIONAL
      chromium                  number     CONDITIONAL
      copper                    number     CONDITIONAL
      nickel                    number     CONDITIONAL
      zinc                      number     CONDITIONAL
    `,
  },
  farmlandClass: {
    zh: '耕地土壤环境质量类别',
    owner: 'AGRICULTURE',
    cycle: 'P1Y',
    key: ['parcelCode'],
    list: 'farmlandClasses',
    fields: `
      parcelCode                text       OPEN        required
      qualityClass              enum       CONDITIONAL required
      district                  district   OPEN        required
      town                      text       OPEN
      areaMu                    number     OPEN        required
      measures                  text       OPEN
      classifiedOn              date       OPEN
      boundary                  polygon    CONDITIONAL
    `,
  },
  landUseChange: {
    zh: '用途变更为"一住两公"地块',
    owner: 'PLANNING',
    cycle: 'P7D',
    key: ['parcelCode'],
    list: 'landUseChanges',
    fields: `
      parcelCode                text       OPEN        required
      district                  district   OPEN        required
      address                   text       OPEN
      boundary                  polygon    OPEN        required
      areaM2                    number     OPEN        required
      originalUse               text       OPEN
      plannedUse                enum       OPEN        required
      planningPermitNo          text       OPEN
      permitDate                date       OPEN
      rightHolder               text       OPEN
      rightHolderContact        text       CONDITIONAL personal mask:phone
    `,
  },
  landRightChange: {
    zh: '重点监管单位用地变更',
    owner: 'PLANNING',
    cycle: 'P7D',
    key: ['parcelCode', 'eventNo'],
    list: 'landRightChanges',
    fields: `
      parcelCode                text       OPEN        required
      eventNo                   text       OPEN        required
      creditCode                creditCode OPEN        required
      enterpriseName            text       OPEN        required
      district                  district   OPEN        required
      changeType                enum       OPEN        required
      effectiveOn               date       OPEN        required
      newUse                    text       OPEN
      boundary                  polygon    OPEN
    `,
  },
  constructionPermit: {
    zh: '施工许可证',
    owner: 'HOUSING',
    cycle: 'P1D',
    key: ['permitNo'],
    list: 'constructionPermits',
    fields: `
      permitNo                  text       OPEN        required
      projectName               text       OPEN        required
      parcelCode                text       OPEN
      district                  district   OPEN        required
      address                   text       OPEN
      builder                   text       OPEN
      builderCreditCode         creditCode OPEN
      issuedOn                  date       OPEN        required
      floorAreaM2               number     OPEN
      contactPerson             text       OPEN        personal mask:name
      contactPhone              text       CONDITIONAL personal mask:phone
    `,
  },
  closedEnterprise: {
    zh: '关停退出企业',
    owner: 'ECONOMY',
    cycle: 'P1M',
    key: ['creditCode'],
    list: 'closedEnterprises',
    fields: `
      creditCode                creditCode OPEN        required
      name                      text       OPEN        required
      industryCode              code       OPEN
      industryName              text       OPEN
      district                  district   OPEN        required
      address                   text       OPEN
      siteLocation              point      OPEN
      siteBoundary              polygon    OPEN
      closedOn                  date       OPEN        required
      closureType               enum       OPEN        required
      dischargePermitRevoked    boolean    OPEN
      legalRepresentative       text       CONDITIONAL personal mask:name
      legalRepresentativePhone  text       PRIVATE     personal mask:phone
    `,
  },
  irrigationWell: {
    zh: '农田灌溉机井',
    owner: 'WATER',
    cycle: 'P1Y',
    key: ['wellCode'],
    list: 'irrigationWells',
    fields: `
      wellCode                  text       OPEN        required
      district                  district   OPEN        required
      town                      text       OPEN
      location                  point      OPEN        required
      depthM                    number     OPEN
      irrigatedAreaMu           number     OPEN
      waterSource               enum       OPEN
      lastTestedOn              date       OPEN
      lastTestResult            enum       CONDITIONAL
    `,
  },
  keySupervisedUnit: {
    zh: '土壤污染重点监管单位名录',
    owner: 'ECOLOGY',
    cycle: 'P1Y',
    key: ['creditCode', 'listedYear'],
    list: 'keySupervisedUnits',
    fields: `
      creditCode                creditCode OPEN        required
      listedYear                integer    OPEN        required
      name                      text       OPEN        required
      industryCode              code       OPEN
      industryName              text       OPEN
      district                  district   OPEN        required
      hiddenDangerCheckDone     boolean    OPEN
      selfMonitoringDone        boolean    OPEN
      anomalies                 text       CONDITIONAL
    `,
  },
  contaminatedSite: {
    zh: '建设用地土壤污染风险管控和修复名录',
    owner: 'ECOLOGY',
    cycle: 'P1M',
    key: ['siteCode'],
    list: 'contaminatedSites',
    fields: `
      siteCode                  text       OPEN        required
      name                      text       OPEN        required
      district                  district   OPEN        required
      boundary                  polygon    OPEN        required
      areaM2                    number     OPEN
      pollutants                textList   OPEN
      status                    enum       OPEN        required
      listedOn                  date       OPEN        required
      removedOn                 date       OPEN
      plannedUse                text       OPEN
    `,
  },
  siteScreening: {
    zh: '关停企业原址用地筛查台账',
    owner: 'ECOLOGY',
    districtPublishers: true,
    cycle: 'P1M',
    key: ['creditCode'],
    list: 'siteScreenings',
    fields: `
      creditCode                creditCode OPEN        required
      enterpriseName            text       OPEN        required
      district                  district   OPEN        required
      riskLevel                 enum       CONDITIONAL required
      screenedOn                date       OPEN        required
      followUp                  text       CONDITIONAL
    `,
  },
  priorityPlot: {
    zh: '优先监管地块',
    owner: 'ECOLOGY',
    districtPublishers: true,
    cycle: 'P1M',
    key: ['plotCode'],
    list: 'priorityPlots',
    fields: `
      plotCode                  text       OPEN        required
      sourceCreditCode          creditCode OPEN
      name                      text       OPEN
      district                  district   OPEN        required
      boundary                  polygon    OPEN
      reason                    text       CONDITIONAL
      listedOn                  date       OPEN        required
      investigationStatus       enum       OPEN        required
    `,
  },
};

/** One line of a field table: name, type, sharing class, then `required`, `personal`, `mask:<rule>`. */
function expectedField(dataset: string, line: string) {
  const [name, type, sharing, ...marks] = line.trim().split(/\s+/);
  const mask = marks.find((m) => m.startsWith('mask:'))?.slice(5) ?? null;
  // Labels are declared text: the catalogue shows them as declared.
  const declared = datasetByName(dataset)?.fields[name];
  return {
    name,
    zh: declared?.zh,
    en: declared?.en,
    type,
    required: marks.includes('required'),
    sharing,
    personal: marks.includes('personal'),
    mask,
    maskDescription: mask ? expect.stringMatching(/\S/) : null,
  };
}

describe('the catalogue', () => {
  it('lists every dataset with owner, publishers, cycle, methods and each field’s class and masking', async () => {
    const expected = Object.entries(EXPECTED).map(([name, d]) => ({
      name,
      zh: d.zh,
      en: datasetByName(name)?.en,
      owner: d.owner,
      publishers: d.publishers ?? [],
      districtPublishers: d.districtPublishers ?? false,
      // Every dataset that districts publish says what they may write about.
      publishingScope: d.districtPublishers
        ? expect.stringMatching(/本区.* \/ A record qualifies when/)
        : null,
      sharingMethods: ['GRAPHQL_QUERY', 'CHANGE_FEED', 'BULK_EXPORT'],
      updateCycle: d.cycle,
      naturalKey: d.key,
      queryField: d.list,
      fields: d.fields
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => expectedField(name, line)),
    }));
    for (const principal of ['WATER', '110105', 'AUDITOR']) {
      const response = await hub.graphql(await hub.key(principal), CATALOG);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.catalog, principal).toEqual(expected);
    }
  });
});

describe('a declaration', () => {
  const declare = (field: Partial<FieldDef>) =>
    defineDataset({
      name: 'declarationCheck',
      names: { type: 'DeclarationCheck', one: 'declarationCheck', many: 'declarationChecks' },
      table: 'declaration_check',
      zh: '声明检查',
      en: 'Declaration check',
      owner: 'ECOLOGY',
      updateCycle: 'P1D',
      key: ['code'],
      fields: {
        code: { type: 'text', zh: '编码', en: 'Code', required: true },
        contact: { type: 'text', zh: '联系人', en: 'Contact', personal: true, ...field } as FieldDef,
      },
    });

  it.each([
    ['OPEN', { sharing: 'OPEN' }],
    ['CONDITIONAL', { sharing: 'CONDITIONAL' }],
  ] as const)('that shares personal data %s without a masking rule is refused', (_class, field) => {
    expect(() => declare(field)).toThrow(
      'dataset declarationCheck: personal field contact is shared but has no masking rule',
    );
  });

  it.each([
    ['PRIVATE by default', {}],
    ['shared masked', { sharing: 'OPEN', mask: 'name' }],
  ] as const)('that keeps personal data %s is accepted', (_case, field) => {
    expect(() => declare(field)).not.toThrow();
  });
});
