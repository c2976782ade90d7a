/**
 * The map's layers: which datasets it draws, in what colour, coloured by which field. Everything else (the
 * query field, the geometry field, the key, the labels, what the caller may read) comes from the
 * catalogue at run time (catalogue.ts), so a layer is one line here.
 */
export interface LayerSpec {
  /** The dataset drawn. */
  dataset: string;
  /** Its colour, and by field value when the caller reads the field. */
  color: string;
  /** The date (or year) a record is of, for the year filter: when it was classified, permitted, listed... */
  yearField: string;
  colorBy?: { field: string; colors: Record<string, string> };
}

/** Drawn in this order, bottom first: farmland under plots, points on top. */
export const LAYERS: readonly LayerSpec[] = [
  {
    dataset: 'farmlandClass',
    yearField: 'classifiedOn',
    color: '#8bc34a',
    colorBy: {
      field: 'qualityClass',
      colors: { PRIORITY_PROTECTION: '#4caf50', SAFE_USE: '#ffc107', STRICT_CONTROL: '#e53935' },
    },
  },
  {
    dataset: 'landUseChange',
    yearField: 'permitDate',
    color: '#1e88e5',
    colorBy: { field: 'plannedUse', colors: { RESIDENTIAL: '#1e88e5', PUBLIC_SERVICE: '#8e24aa' } },
  },
  { dataset: 'constructionPermit', yearField: 'issuedOn', color: '#00897b' },
  { dataset: 'closedEnterprise', yearField: 'closedOn', color: '#6d4c41' },
  { dataset: 'keySupervisedUnit', yearField: 'listedYear', color: '#f4511e' },
  {
    dataset: 'priorityPlot',
    yearField: 'listedOn',
    color: '#fb8c00',
  },
  {
    dataset: 'contaminatedSite',
    yearField: 'listedOn',
    color: '#d81b60',
    colorBy: { field: 'status', colors: { LISTED: '#d81b60', REMOVED: '#9e9e9e' } },
  },
  {
    dataset: 'soilMonitoringNetwork',
    yearField: 'sampledOn',
    color: '#3949ab',
    colorBy: {
      field: 'networkLevel',
      colors: { NATIONAL: '#b71c1c', MUNICIPAL: '#f57c00', DISTRICT: '#3949ab' },
    },
  },
  {
    dataset: 'soilMonitoring',
    yearField: 'sampledOn',
    color: '#5e35b1',
    colorBy: {
      field: 'landCategory',
      colors: {
        CULTIVATED: '#7cb342',
        GARDEN: '#c0ca33',
        FOREST: '#2e7d32',
        FACILITY_AGRICULTURE: '#00acc1',
        GREEN_SPACE: '#43a047',
      },
    },
  },
  {
    dataset: 'irrigationWell',
    yearField: 'lastTestedOn',
    color: '#039be5',
    colorBy: { field: 'lastTestResult', colors: { COMPLIANT: '#039be5', NON_COMPLIANT: '#e53935' } },
  },
];

/** Alerts by severity. */
export const SEVERITY_COLORS: Record<string, string> = { HIGH: '#c62828', MEDIUM: '#ef6c00', LOW: '#fdd835' };
