-- Reference data: the principals that can hold keys. Departments, districts and roles are data, not code:
-- a new department or district is one more row (in a new migration), with no change to the code.
INSERT INTO "principal" ("code", "kind", "name_zh", "name_en") VALUES
  ('ECOLOGY', 'DEPARTMENT', '北京市生态环境局', 'Beijing Municipal Ecology and Environment Bureau'),
  ('AGRICULTURE', 'DEPARTMENT', '北京市农业农村局', 'Beijing Municipal Bureau of Agriculture and Rural Affairs'),
  ('FORESTRY', 'DEPARTMENT', '北京市园林绿化局', 'Beijing Municipal Forestry and Parks Bureau'),
  ('PLANNING', 'DEPARTMENT', '北京市规划和自然资源委员会', 'Beijing Municipal Commission of Planning and Natural Resources'),
  ('HOUSING', 'DEPARTMENT', '北京市住房和城乡建设委员会', 'Beijing Municipal Commission of Housing and Urban-Rural Development'),
  ('ECONOMY', 'DEPARTMENT', '北京市经济和信息化局', 'Beijing Municipal Bureau of Economy and Information Technology'),
  ('WATER', 'DEPARTMENT', '北京市水务局', 'Beijing Water Authority'),
  ('110101', 'DISTRICT', '东城区', 'Dongcheng District'),
  ('110102', 'DISTRICT', '西城区', 'Xicheng District'),
  ('110105', 'DISTRICT', '朝阳区', 'Chaoyang District'),
  ('110106', 'DISTRICT', '丰台区', 'Fengtai District'),
  ('110107', 'DISTRICT', '石景山区', 'Shijingshan District'),
  ('110108', 'DISTRICT', '海淀区', 'Haidian District'),
  ('110109', 'DISTRICT', '门头沟区', 'Mentougou District'),
  ('110111', 'DISTRICT', '房山区', 'Fangshan District'),
  ('110112', 'DISTRICT', '通州区', 'Tongzhou District'),
  ('110113', 'DISTRICT', '顺义区', 'Shunyi District'),
  ('110114', 'DISTRICT', '昌平区', 'Changping District'),
  ('110115', 'DISTRICT', '大兴区', 'Daxing District'),
  ('110116', 'DISTRICT', '怀柔区', 'Huairou District'),
  ('110117', 'DISTRICT', '平谷区', 'Pinggu District'),
  ('110118', 'DISTRICT', '密云区', 'Miyun District'),
  ('110119', 'DISTRICT', '延庆区', 'Yanqing District'),
  -- The Economic-Technological Development Area (E-Town) has no GB/T 2260 county code of its own;
  -- the hub assigns 110400, outside the range GB/T 2260 uses for Beijing's districts.
  ('110400', 'DISTRICT', '北京经济技术开发区', 'Beijing Economic-Technological Development Area'),
  ('AUDITOR', 'AUDITOR', '审计员', 'Hub auditor');
