/**
 * The subset of JSON Schema (draft-07) that jobtap reads and writes: stream schemas,
 * connector specs and the typing rules of the parsers all speak this shape.
 */
export interface JsonSchema {
  $schema?: string;
  type?: JsonSchemaType | JsonSchemaType[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  format?: string;
  pattern?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  minItems?: number;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  /** Airbyte: the field holds a secret; masked in logs and never echoed. */
  airbyte_secret?: boolean;
  /** Airbyte UI ordering hint. */
  order?: number;
  /** Airbyte-specific type hint, e.g. "timestamp_without_timezone". */
  airbyte_type?: string;
  /** Keeps the original (vendor) column name next to the normalised property name. */
  'x-original-name'?: string;
  [extension: `x-${string}`]: unknown;
}

export type JsonSchemaType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

/** The non-null JSON type(s) a property accepts, e.g. ["integer"] for {type:["null","integer"]}. */
export function nonNullTypes(schema: JsonSchema): JsonSchemaType[] {
  const t = schema.type;
  if (t === undefined) return [];
  return (Array.isArray(t) ? t : [t]).filter((x) => x !== 'null');
}
