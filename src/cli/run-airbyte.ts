/**
 * The Airbyte front end shared by every source-* executable:
 *   spec | check --config F | discover --config F | read --config F --catalog F [--state F]
 * stdout carries only Airbyte messages, one JSON object per line; console output is routed to
 * LOG messages. Failures set process.exitCode (never process.exit while output is pending).
 */
import { Command, CommanderError } from 'commander';
import { checkpointIntervalOf } from '../core/common-spec.js';
import { readJsonFile } from '../core/config.js';
import { failureTypeOf, messageOf, SystemError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Source } from '../core/source.js';
import { emptyState } from '../core/state.js';
import { readStateFile } from '../core/state-file.js';
import { airbyteCatalog, configuredStreamNames, selectConfiguredStreams } from '../protocol/airbyte-catalog.js';
import { AirbyteSink } from '../protocol/airbyte-sink.js';
import { AirbyteWriter } from '../protocol/airbyte-writer.js';
import { guardConsole } from '../protocol/console-guard.js';
import { airbyteHelp } from './help-text.js';
import { runSyncUntilInterrupted, stdoutLines, loadConfigFile, logLevelFrom, reportCrashes, usableStreams, type InterruptHandle } from './cli-support.js';

interface ConfigOptions {
  config: string;
  debug?: boolean;
}

interface ReadOptions extends ConfigOptions {
  catalog: string;
  state?: string;
}

export async function runAirbyte<C>(source: Source<C>, argv: string[]): Promise<void> {
  const { lines, gone: stdoutGone } = stdoutLines();
  const writer = new AirbyteWriter(lines);
  let logger: Logger = writer.logger(logLevelFrom(undefined));
  const restoreConsole = guardConsole({
    debug: (m) => logger.debug(m),
    info: (m) => logger.info(m),
    warn: (m) => logger.warn(m),
    error: (m) => logger.error(m),
  });
  const useLevel = (debug: boolean | undefined): void => {
    logger = writer.logger(logLevelFrom(debug));
  };
  const useMasker = writer.setMasker.bind(writer);
  let activeSync: InterruptHandle | undefined;
  const stopCrashReports = reportCrashes(async (err) => {
    await writer.error(err);
    await writer.flush();
  }, () => activeSync);

  const program = new Command(source.name)
    .description(`${source.name} ${source.version}: an Airbyte source (Airbyte protocol on stdout).`)
    .version(source.version)
    .addHelpText('after', airbyteHelp(source))
    .exitOverride()
    .showHelpAfterError();

  program
    .command('spec')
    .description('Print the connector specification (SPEC message)')
    .action(async () => {
      const spec = source.spec();
      await writer.message({
        type: 'SPEC',
        spec: { documentationUrl: spec.documentationUrl, connectionSpecification: spec.connectionSpecification },
      });
    });

  program
    .command('check')
    .description('Validate the config and test the connection (CONNECTION_STATUS message)')
    .requiredOption('--config <file>', 'config JSON file')
    .option('--debug', 'emit DEBUG log messages')
    .action(async (opts: ConfigOptions) => {
      useLevel(opts.debug);
      try {
        const { config } = await loadConfigFile(source, opts.config, useMasker);
        const result = await source.check(config, logger);
        if (result.ok) await writer.connectionStatus('SUCCEEDED');
        else await writer.connectionStatus('FAILED', result.message);
      } catch (err) {
        // Airbyte convention: a config problem is a FAILED status (exit 0); anything else is an error trace.
        if (failureTypeOf(err) !== 'config_error') throw err;
        logger.error(`Connection check failed: ${messageOf(err)}`);
        await writer.connectionStatus('FAILED', messageOf(err));
      }
    });

  program
    .command('discover')
    .description('List the streams this config offers (CATALOG message)')
    .requiredOption('--config <file>', 'config JSON file')
    .option('--debug', 'emit DEBUG log messages')
    .action(async (opts: ConfigOptions) => {
      useLevel(opts.debug);
      const { config } = await loadConfigFile(source, opts.config, useMasker);
      const streams = usableStreams(await source.streams(config, logger), logger);
      await writer.message({ type: 'CATALOG', catalog: airbyteCatalog(streams) });
    });

  program
    .command('read')
    .description('Read the streams of a configured catalog (RECORD, STATE, LOG and TRACE messages)')
    .requiredOption('--config <file>', 'config JSON file')
    .requiredOption('--catalog <file>', 'ConfiguredAirbyteCatalog JSON file')
    .option('--state <file>', 'state from the previous sync: a JSON file (per-stream, GLOBAL or legacy), or the output of that read')
    .option('--debug', 'emit DEBUG log messages')
    .action(async (opts: ReadOptions) => {
      useLevel(opts.debug);
      const { config } = await loadConfigFile(source, opts.config, useMasker);
      const rawCatalog = await readJsonFile(opts.catalog, 'catalog file');
      const state = opts.state === undefined ? emptyState() : await readStateFile(opts.state);
      if (state.sharedState !== undefined && Object.keys(state.sharedState).length > 0) logger.warn('The GLOBAL shared_state is ignored: jobtap streams keep per-stream state');
      // Only what the catalog selects is built (an Addepar export's view definitions cost requests).
      const offered = await source.streams(config, logger, { only: configuredStreamNames(rawCatalog) });
      const { selected, unavailable } = selectConfiguredStreams(rawCatalog, offered, opts.catalog);
      await runSyncUntilInterrupted({
        streams: selected,
        unavailable,
        previousState: state.streams,
        checkpointInterval: checkpointIntervalOf(config),
        logger,
        sink: new AirbyteSink(writer, logger),
        stopSignal: stdoutGone.signal,
        flush: () => writer.flush(),
        track: (handle) => (activeSync = handle),
        usage: () => source.usage?.(config),
      });
    });

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed on stderr by commander.
      process.exitCode = err.exitCode;
    } else {
      await writer.error(err instanceof Error ? err : new SystemError(messageOf(err)));
      process.exitCode = 1;
    }
  } finally {
    await writer.flush();
    restoreConsole();
    stopCrashReports();
    if (stdoutGone.signal.aborted && !process.exitCode) process.exitCode = 1;
  }
}

