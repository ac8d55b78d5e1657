-- CHECK_TARIFF_FOLDER(location): NULL when the job's rating function would load the tariff
-- folder at `location` (a local folder, file:// or s3://), else its first problem with file
-- and line: the JVM's own verdict on an upload (CheckTariffFolder.java; ops.tariffs check is
-- the Python twin's, word for word).
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS check_tariff_folder
  AS 'org.cdrpipeline.flink.rating.CheckTariffFolder' LANGUAGE JAVA
