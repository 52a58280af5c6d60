/**
 * Validators for CI files against the public JSON schemas vendored in test/fixtures/schemas/
 * (see the README there for sources and licenses).
 *
 * Ajv runs in strict mode for the schema's keywords (an unknown keyword is an error), with only
 * the style checks these public schemas do not meet turned off: `strictTypes` (e.g. `properties`
 * without `type: object` inside a `oneOf`), `strictRequired` (GitLab's `required` naming
 * properties defined in a sibling) and `strictTuples`. None of these changes what a document
 * must look like to pass. GitLab's `markdownDescription` annotation is registered as a keyword.
 */
import { readFileSync } from 'node:fs';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export type CiSchema = 'github-workflow' | 'gitlab-ci';

const cache = new Map<CiSchema, ValidateFunction>();

export function ciValidator(name: CiSchema): ValidateFunction {
  let v = cache.get(name);
  if (!v) {
    const schema = JSON.parse(readFileSync(new URL(`../fixtures/schemas/${name}.json`, import.meta.url), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strictTypes: false, strictRequired: false, strictTuples: false });
    addFormats(ajv);
    // GitLab's schema documents keywords with `markdownDescription` (an editor annotation, like
    // `description`): registered as a keyword that validates nothing, instead of strict: false.
    ajv.addKeyword({ keyword: 'markdownDescription', schemaType: 'string' });
    v = ajv.compile(schema);
    cache.set(name, v);
  }
  return v;
}

/** The schema errors of `doc`, one line each ('' when valid). */
export function ciSchemaErrors(name: CiSchema, doc: unknown): string {
  const v = ciValidator(name);
  if (v(doc)) return '';
  return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n');
}
