package org.cdrpipeline.flink.cdr;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.FunctionHint;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.TableFunction;
import org.apache.flink.table.data.RowData;

/**
 * PARSE_CDR(line): one row per record with every field of the CDR contract as a column, plus
 * reject_reason and reject_detail (NULL when the record keeps the contract). Never throws: a bad record is data, not a failed
 * job. A table function so that the parse runs once per record, not once per column read.
 *
 * <p>Why Java: it runs on every record, and the Python boundary costs ~5x here (see docs/architecture.md).
 */
@FunctionHint(output = @DataTypeHint(value = CdrParser.OUTPUT_TYPE, bridgedTo = RowData.class))
public final class ParseCdr extends TableFunction<RowData> {
    private static final long serialVersionUID = 1L;

    public void eval(@DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData line) {
        collect(CdrParser.parse(line));
    }
}
