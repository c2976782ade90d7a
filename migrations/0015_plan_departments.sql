-- The departments the plans name beside the seven that share today (issue 13): emergency management
-- (tailings ponds, 尾矿库), urban management, and grain and strategic reserves. Departments are data: each is a
-- row, with no capabilities and no dataset, so it reads what every department reads (PUBLIC and OPEN
-- fields) until a declaration (an owner, a publisher, a mandate) or a grant says more.
-- ON CONFLICT: a deployment that already added one of them by hand keeps its row.
INSERT INTO "principal" ("code", "kind", "name_zh", "name_en") VALUES
  ('EMERGENCY', 'DEPARTMENT', '北京市应急管理局', 'Beijing Municipal Emergency Management Bureau'),
  ('URBAN_MANAGEMENT', 'DEPARTMENT', '北京市城市管理委员会', 'Beijing Municipal Commission of Urban Management'),
  ('GRAIN', 'DEPARTMENT', '北京市粮食和物资储备局', 'Beijing Municipal Food and Strategic Reserves Administration')
ON CONFLICT ("code") DO NOTHING;
