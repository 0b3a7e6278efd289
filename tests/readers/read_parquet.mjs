// Reads a Parquet file with one of two independent readers and prints it as JSON, every value
// in an exact text form, for the C++ tests to compare with the rows they wrote:
//   node read_parquet.mjs duckdb|hyparquet FILE
// Output: {"columns": [{"name", "type"}], "rows": [[value|null, ...]], "metadata": {k: v},
//          "stats": [[{"min","max","nulls"} per column] per row group] (duckdb only)}
// Values: STRING as is; INT64 and TIMESTAMP (microseconds since the epoch) and DATE (days
// since the epoch) as decimal integers; DECIMAL as its exact digits with `scale` fractional
// digits; DOUBLE as JavaScript's shortest round-trip text ("-0", "NaN", "Infinity" included).
//
// DuckDB (@duckdb/node-api) carries its own engine; hyparquet is pure JavaScript, written
// separately. hyparquet turns DECIMAL into a float and timestamps into millisecond Dates, so
// its DECIMAL logical type is taken off the schema it was given and the raw unscaled integers
// it decoded are scaled here; its timestamp and date parsers return the raw numbers.
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const [reader, file] = process.argv.slice(2);

function doubleText(v) {
  if (v === null || v === undefined) return null;
  return Object.is(v, -0) ? '-0' : String(v);
}

function scaled(unscaled, scale) {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = digits.slice(0, digits.length - scale) + '.' + digits.slice(digits.length - scale);
  }
  return (negative ? '-' : '') + digits;
}

function bigEndian(bytes) {
  let v = 0n;
  for (const b of bytes) v = v * 256n + BigInt(b);
  if (bytes.length && bytes[0] & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return v;
}

async function readDuckdb() {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  const quoted = `'${file.replaceAll("'", "''")}'`;
  const described = (await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoted})`))
    .getRows();
  const columns = described.map(([name, type]) => ({ name, type }));
  const select = columns.map(({ name, type }) => {
    const c = `"${name.replaceAll('"', '""')}"`;
    if (type === 'DOUBLE' || type === 'VARCHAR') return c;
    if (type === 'DATE') return `CAST(${c} - DATE '1970-01-01' AS VARCHAR)`;
    if (type.startsWith('TIMESTAMP')) return `CAST(epoch_us(${c}) AS VARCHAR)`;
    return `CAST(${c} AS VARCHAR)`;  // BIGINT, DECIMAL(p, s): exact digits
  });
  const rows = (await db.runAndReadAll(
    `SELECT ${select.join(', ')} FROM read_parquet(${quoted})`)).getRows()
    .map(row => row.map((v, i) => columns[i].type === 'DOUBLE' ? doubleText(v) : v));
  const metadata = {};
  for (const [k, v] of (await db.runAndReadAll(
    `SELECT decode(key), decode(value) FROM parquet_kv_metadata(${quoted})`)).getRows()) {
    metadata[k] = v;
  }
  const stats = [];
  for (const [group, column, min, max, nulls] of (await db.runAndReadAll(
    `SELECT row_group_id, column_id, stats_min_value, stats_max_value, stats_null_count
     FROM parquet_metadata(${quoted}) ORDER BY row_group_id, column_id`)).getRows()) {
    stats[Number(group)] ??= [];
    stats[Number(group)][Number(column)] = {
      min, max, nulls: nulls === null ? null : String(nulls) };
  }
  return { columns, rows, metadata, stats };
}

async function readHyparquet() {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  const elements = metadata.schema.slice(1);
  const scales = elements.map(e => (e.converted_type === 'DECIMAL' ? e.scale ?? 0 : null));
  for (const e of elements) {
    if (e.converted_type === 'DECIMAL') {
      e.converted_type = undefined;
      e.logical_type = undefined;
    }
  }
  const columns = elements.map(e => ({
    name: e.name,
    type: e.logical_type?.type ?? e.converted_type ?? e.type,
  }));
  const objects = await parquetReadObjects({
    file: buffer, metadata, compressors, utf8: true,
    parsers: {
      timestampFromMicroseconds: micros => micros.toString(),
      dateFromDays: days => String(days),
    },
  });
  const rows = objects.map(o => elements.map((e, i) => {
    const v = o[e.name];
    if (v === null || v === undefined) return null;
    if (scales[i] !== null) {
      const unscaled = v instanceof Uint8Array ? bigEndian(v) : BigInt(v);
      return scaled(unscaled, scales[i]);
    }
    if (e.type === 'DOUBLE') return doubleText(v);
    return typeof v === 'string' ? v : String(v);
  }));
  const kv = {};
  for (const { key, value } of metadata.key_value_metadata ?? []) kv[key] = value;
  return { columns, rows, metadata: kv, created_by: metadata.created_by };
}

const out = reader === 'duckdb' ? await readDuckdb() : await readHyparquet();
process.stdout.write(JSON.stringify(out));
