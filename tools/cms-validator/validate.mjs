#!/usr/bin/env node
// Runs the CMS hospital price transparency validator (@cmsgov/hpt-validator, pinned in package.json)
// on files and prints its verdict as JSON, for the differential tests of priceline-ingest.
//
//   node validate.mjs <file> <version>                  → one JSON object
//   node validate.mjs <file> <version> <file> <version>  → a JSON array, one object per pair, in order
//
// <version> is what the validator's caller chooses: v2.0.0, v2.1.0, v2.2.0 or v3.0.0 (the leading `v`
// is optional). The format comes from the file name: `.json` → validateJson, anything else → validateCsv.
// Each object: {file, version, format, valid, errors: [{path, message, field?, type}], alerts: [...]},
// where `type` is the class name of the CMS error or alert (e.g. InvalidPositiveNumberError), or
// `ValidationError` for JSON schema (Ajv) findings, which the validator does not classify.
// A file the validator could not run on gives {file, version, format, crashed: "<message>"}.
import { createReadStream } from "node:fs";
import { validateCsv, validateJson } from "@cmsgov/hpt-validator";

function plain(finding) {
  const out = { path: finding.path, message: finding.message };
  if (finding.field !== undefined) out.field = finding.field;
  out.type = finding.constructor?.name ?? "ValidationError";
  return out;
}

async function validateOne(file, version) {
  const format = file.toLowerCase().endsWith(".json") ? "json" : "csv";
  const bare = version.replace(/^v/i, "");
  try {
    const stream = createReadStream(file, { encoding: "utf-8" });
    const result =
      format === "json" ? await validateJson(stream, bare) : await validateCsv(stream, bare);
    return {
      file,
      version: bare,
      format,
      valid: result.valid,
      errors: result.errors.map(plain),
      alerts: result.alerts.map(plain),
    };
  } catch (error) {
    return { file, version: bare, format, crashed: String(error?.message ?? error) };
  }
}

const args = process.argv.slice(2);
if (args.length < 2 || args.length % 2 !== 0) {
  console.error("usage: node validate.mjs <file> <v2.0.0|v2.1.0|v2.2.0|v3.0.0> [<file> <version> ...]");
  process.exit(2);
}
const results = [];
for (let i = 0; i < args.length; i += 2) {
  results.push(await validateOne(args[i], args[i + 1]));
}
process.stdout.write(JSON.stringify(args.length === 2 ? results[0] : results) + "\n");
