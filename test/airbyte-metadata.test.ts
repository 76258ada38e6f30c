/**
 * Each Airbyte source has a metadata.yaml in Airbyte's connector-metadata format, and it says
 * what the executable, the package and the Dockerfile say: same name, version, image repository
 * and documentation URL.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createAjv } from '../src/core/ajv.js';
import { distEntry, repoRoot, runCli } from './helpers/cli.js';

/**
 * The required part of Airbyte's ConnectorMetadataDefinitionV0 (airbyte-ci metadata_service
 * models), written down from its documentation: the fields and enums the registry checks.
 */
const metadataSchema = {
  type: 'object',
  required: ['metadataSpecVersion', 'data'],
  additionalProperties: false,
  properties: {
    metadataSpecVersion: { type: 'string' },
    data: {
      type: 'object',
      required: ['name', 'definitionId', 'connectorType', 'dockerRepository', 'dockerImageTag', 'license', 'documentationUrl', 'githubIssueLabel', 'connectorSubtype', 'releaseStage'],
      additionalProperties: false,
      properties: {
        name: { type: 'string' },
        definitionId: { type: 'string', format: 'uuid' },
        connectorType: { enum: ['source', 'destination'] },
        connectorSubtype: { enum: ['api', 'database', 'datalake', 'file', 'custom', 'message_queue', 'unknown', 'vectorstore'] },
        dockerRepository: { type: 'string', pattern: '^[a-z0-9]+(?:[._-][a-z0-9]+)*/[a-z0-9]+(?:[._-][a-z0-9]+)*$' },
        dockerImageTag: { type: 'string' },
        documentationUrl: { type: 'string', format: 'uri' },
        githubIssueLabel: { type: 'string' },
        license: { type: 'string' },
        releaseStage: { enum: ['alpha', 'beta', 'generally_available', 'custom'] },
        supportLevel: { enum: ['community', 'certified', 'enterprise', 'archived'] },
        tags: { type: 'array', items: { type: 'string' } },
        registries: {
          type: 'object',
          additionalProperties: false,
          properties: {
            oss: { type: 'object', required: ['enabled'], properties: { enabled: { type: 'boolean' } } },
            cloud: { type: 'object', required: ['enabled'], properties: { enabled: { type: 'boolean' } } },
          },
        },
      },
    },
  },
};

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string; license: string };
const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');

describe.each(['source-addepar', 'source-impact'])('%s metadata.yaml', (name) => {
  const metadata = parse(readFileSync(path.join(repoRoot, 'connectors', name, 'metadata.yaml'), 'utf8')) as { data: Record<string, unknown> };

  it("is valid in Airbyte's connector-metadata format", () => {
    const validate = createAjv().compile(metadataSchema);
    expect(validate(metadata), JSON.stringify(validate.errors)).toBe(true);
  });

  it('matches the spec the executable prints, package.json and the Dockerfile', async () => {
    const r = await runCli(distEntry(`src/cli/${name}`), ['spec']);
    const spec = r.messages.find((m) => m.type === 'SPEC')!.spec as { documentationUrl: string };
    const { data } = metadata;
    expect(data.connectorType).toBe('source');
    expect(data.documentationUrl).toBe(spec.documentationUrl);
    expect(data.dockerImageTag).toBe(pkg.version);
    expect(data.license).toBe(pkg.license);
    expect(data.githubIssueLabel).toBe(name);
    // The image the Dockerfile labels for this connector is the repository the metadata names.
    const label = /io\.airbyte\.name="([^"]+)"/.exec(dockerfile)![1]!;
    expect(label.replace('${CONNECTOR}', name.replace(/^source-/, ''))).toBe(data.dockerRepository);
    expect(dockerfile).toMatch(new RegExp(`ARG VERSION=${pkg.version.replace(/\./g, '\\.')}`));
  });

  it('keeps a definition id of its own', () => {
    const other = name === 'source-addepar' ? 'source-impact' : 'source-addepar';
    const otherMetadata = parse(readFileSync(path.join(repoRoot, 'connectors', other, 'metadata.yaml'), 'utf8')) as { data: Record<string, unknown> };
    expect(metadata.data.definitionId).not.toBe(otherMetadata.data.definitionId);
  });
});
