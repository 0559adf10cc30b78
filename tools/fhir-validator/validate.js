// Validates FHIR R4 resources against the official JSON schema (fhir.schema.json, 4.0.1) with ajv.
// Input on stdin: one JSON resource per line (NDJSON). Output: one line per invalid resource,
// `resourceType/id: <errors as JSON>`; the exit status is 1 when any resource is invalid, 2 on bad
// input, 0 otherwise.
'use strict';

const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator');

const validator = new JSONSchemaValidator();
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
});
process.stdin.on('end', () => {
  let invalid = 0;
  let checked = 0;
  for (const line of input.split('\n')) {
    if (line.trim() === '') continue;
    let resource;
    try {
      resource = JSON.parse(line);
    } catch (error) {
      console.log(`not JSON: ${error.message}`);
      process.exit(2);
    }
    checked += 1;
    const errors = validator.validate(resource);
    if (errors.length > 0) {
      invalid += 1;
      console.log(`${resource.resourceType}/${resource.id}: ${JSON.stringify(errors)}`);
    }
  }
  console.log(`checked ${checked}, invalid ${invalid}`);
  process.exit(invalid > 0 ? 1 : 0);
});
