/**
 * One place that knows how to build an Ajv instance for connector schemas: ajv and ajv-formats
 * are CommonJS packages, and their default exports need unwrapping under NodeNext ESM.
 */
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CJS: under NodeNext the default import is `module.exports`, whose `.default` is the plugin.
const addFormats = addFormatsModule.default;

/** Annotation keywords Airbyte and Meltano put in specs; they carry no validation meaning. */
const ANNOTATION_KEYWORDS = [
  'airbyte_secret',
  'airbyte_hidden',
  'airbyte_type',
  'order',
  'group',
  'groups',
  'always_show',
  'multiline',
  'existingJavaType',
];

export function createAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, ...options });
  addFormats(ajv);
  for (const keyword of ANNOTATION_KEYWORDS) {
    if (ajv.getKeyword(keyword) === false) ajv.addKeyword(keyword);
  }
  return ajv;
}
