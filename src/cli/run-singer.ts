/**
 * The Singer front end shared by every tap-* executable (Meltano SDK conventions):
 *   --about [--format json|markdown] | --discover | --test | [--catalog F | --properties F] [--state F]
 * with `--config F` (repeatable; `--config ENV` reads TAP_<NAME>_<SETTING> variables).
 * stdout carries SCHEMA/RECORD/STATE lines (or the catalog / about text); logs go to stderr.
 */
import { Command, CommanderError, Option } from 'commander';
import { checkpointIntervalOf } from '../core/common-spec.js';
import { readJsonFile } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import type { Source } from '../core/source.js';
import { emptyState } from '../core/state.js';
import { readStateFile } from '../core/state-file.js';
import { guardConsole } from '../protocol/console-guard.js';
import { describeFailure } from '../protocol/failure.js';
import { selectAll, selectSingerStreams, singerCatalog } from '../protocol/singer-catalog.js';
import { SingerSink, SingerWriter } from '../protocol/singer-writer.js';
import { tapStderrLog } from '../protocol/stderr-logger.js';
import { runSyncUntilInterrupted, stdoutLines, logLevelFrom, reportCrashes, usableStreams, type InterruptHandle, validateLoadedConfig } from './cli-support.js';
import { aboutInfo, renderAbout, type AboutFormat } from './singer-about.js';
import { singerHelp } from './help-text.js';
import { mergeConfigInputs } from './singer-config.js';

interface SingerOptions {
  about?: boolean;
  format?: AboutFormat;
  discover?: boolean;
  test?: boolean;
  config: string[];
  catalog?: string;
  properties?: string;
  state?: string;
  debug?: boolean;
}

export async function runSinger<C>(source: Source<C>, argv: string[]): Promise<void> {
  // Meltano-style lines named after the tap; live progress when stderr is a terminal (JOBTAP_PROGRESS).
  const log = tapStderrLog(source.tapName, logLevelFrom(undefined));
  const logger = log.logger();
  const restoreConsole = guardConsole(logger);
  const { lines, gone: stdoutGone } = stdoutLines();
  const writer = new SingerWriter(lines);
  let activeSync: InterruptHandle | undefined;
  const stopCrashReports = reportCrashes(async (err) => {
    const report = describeFailure(err);
    log.line('ERROR', `${report.message} [${report.failureType}]`);
    if (report.stackTrace !== undefined) logger.debug(report.stackTrace);
    await writer.flush();
  }, () => activeSync);

  const program = new Command(source.tapName)
    .description(`${source.tapName} ${source.version}: a Singer tap (Singer messages on stdout, logs on stderr).`)
    .version(source.version)
    .option('--about', 'print the tap name, version, capabilities and settings')
    .addOption(new Option('--format <format>', 'format of --about').choices(['json', 'markdown']))
    .option('--discover', 'print the catalog of streams this config offers')
    .option('--test', 'test the connection and exit')
    .option('-c, --config <file>', 'config JSON file; repeatable (later files override earlier keys); ENV reads environment variables', collect, [])
    .option('--catalog <file>', 'catalog JSON file selecting streams and properties')
    .option('-p, --properties <file>', 'legacy name of --catalog')
    .option('-s, --state <file>', 'state JSON file ({"bookmarks": {...}}), or the output of an earlier run')
    .option('--debug', 'log DEBUG lines')
    .addHelpText('after', singerHelp(source))
    .exitOverride()
    .showHelpAfterError()
    .action(async (opts: SingerOptions) => {
      log.setLevel(logLevelFrom(opts.debug));
      if (opts.about === true) {
        process.stdout.write(renderAbout(aboutInfo(source), opts.format ?? 'plain'));
        return;
      }
      if (opts.config.length === 0) throw new ConfigError('--config is required (a JSON file, or ENV)');
      const spec = source.spec().connectionSpecification;
      const raw = await mergeConfigInputs(opts.config, source.tapName, spec);
      const { config } = validateLoadedConfig(source, raw, (masker) => {
        log.setMasker(masker);
        writer.setMasker(masker);
      });

      if (opts.test === true) {
        const result = await source.check(config, logger);
        if (result.ok) logger.info('Connection test succeeded');
        else throw new ConfigError(`Connection test failed: ${result.message}`);
        return;
      }

      const offered = await source.streams(config, logger);
      if (opts.discover === true) {
        // One line: Meltano parses the whole stdout as JSON, line-oriented tools still get one object per line.
        lines.write(JSON.stringify(singerCatalog(usableStreams(offered, logger))));
        return;
      }

      const catalogFile = opts.catalog ?? opts.properties;
      const { selected: selections, unavailable } =
        catalogFile === undefined
          ? { selected: selectAll(offered), unavailable: [] }
          : selectSingerStreams(await readJsonFile(catalogFile, 'catalog file'), offered, catalogFile);
      const state = opts.state === undefined ? emptyState() : await readStateFile(opts.state);
      await runSyncUntilInterrupted({
        streams: selections,
        unavailable,
        previousState: state.streams,
        checkpointInterval: checkpointIntervalOf(config),
        logger,
        sink: new SingerSink(writer, log, logger, selections, state.streams),
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
      process.exitCode = err.exitCode;
    } else {
      const report = describeFailure(err);
      log.line('ERROR', `${report.message} [${report.failureType}]`);
      // The stack is for whoever debugs the tap (--debug), not for the person who mistyped a setting.
      if (report.stackTrace !== undefined) logger.debug(report.stackTrace);
      process.exitCode = 1;
    }
  } finally {
    await writer.flush();
    restoreConsole();
    stopCrashReports();
    if (stdoutGone.signal.aborted && !process.exitCode) process.exitCode = 1;
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

