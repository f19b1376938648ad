/**
 * The local runtime's own log lines: timestamp, level, component, message, key=value fields.
 *
 * Deliberately tiny and separate from the Powertools logger the handlers use: these lines
 * describe the runtime (engines, routes, polls), and keeping them plain text makes them easy
 * to tell apart from the handlers' structured output in one terminal. Callers pass
 * identifiers, ports, counts and durations only, never request or message bodies.
 */

export const logLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export type LogFields = Readonly<Record<string, unknown>>;

export type LocalLogger = {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Same sink and level, another component name. */
  child(component: string): LocalLogger;
};

export type ConsoleLoggerOptions = {
  component?: string;
  /** @default 'info', or LOCAL_LOG_LEVEL when set */
  level?: LogLevel;
  /** Where debug/info go; warnings and errors always go to `errorStream`. @default process.stdout */
  stream?: NodeJS.WritableStream;
  /** @default process.stderr */
  errorStream?: NodeJS.WritableStream;
};

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

function levelFromEnvironment(): LogLevel {
  const raw = process.env.LOCAL_LOG_LEVEL?.toLowerCase();
  return (logLevels as readonly string[]).includes(raw ?? '') ? (raw as LogLevel) : 'info';
}

/** Quotes only what would otherwise be ambiguous, so ordinary lines stay readable. */
function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(`${value.name}: ${value.message}`);
  if (typeof value === 'string') return /^[\w.:/@#+-]*$/.test(value) && value !== '' ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  return JSON.stringify(value);
}

function formatLine(level: LogLevel, component: string, message: string, fields: LogFields | undefined): string {
  const parts = [new Date().toISOString(), level.toUpperCase().padEnd(5), `[${component}]`, message];
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value === undefined) continue;
    parts.push(`${key}=${formatValue(value)}`);
    // Stacks only for errors: they are what a developer needs when a handler blew up.
    if (level === 'error' && value instanceof Error && value.stack !== undefined) stacks.push(value.stack);
  }
  return `${[parts.join(' '), ...stacks].join('\n')}\n`;
}

export function createConsoleLogger(options: ConsoleLoggerOptions = {}): LocalLogger {
  const component = options.component ?? 'local';
  const threshold = rank[options.level ?? levelFromEnvironment()];
  const out = options.stream ?? process.stdout;
  const err = options.errorStream ?? process.stderr;

  function write(level: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields): void {
    if (rank[level] < threshold) return;
    const sink = rank[level] >= rank.warn ? err : out;
    sink.write(formatLine(level, component, message, fields));
  }

  return {
    debug: function logDebug(message, fields) {
      write('debug', message, fields);
    },
    info: function logInfo(message, fields) {
      write('info', message, fields);
    },
    warn: function logWarn(message, fields) {
      write('warn', message, fields);
    },
    error: function logError(message, fields) {
      write('error', message, fields);
    },
    child: function childLogger(childComponent) {
      return createConsoleLogger({ ...options, component: childComponent });
    },
  };
}

/** For library callers and tests that want no output at all. */
export const silentLogger: LocalLogger = createConsoleLogger({ level: 'silent' });
