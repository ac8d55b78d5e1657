-- cdr_json_final (baseline view): STOP records of cdr_json, each recordId once.
CREATE TEMPORARY VIEW cdr_json_final AS
SELECT * FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY recordId ORDER BY event_time) AS arrival
  FROM cdr_json WHERE recordType = 'STOP')
WHERE arrival = 1
