// Sends one chat completion through the OpenAI SDK instrumented by @opentelemetry/instrumentation-openai,
// exporting its span and GenAI log events with the OTLP/HTTP exporters.
// Usage: node chat.js OPENAI_BASE_URL OTLP_BASE_URL [BEARER_TOKEN] (OTLP_BASE_URL ends in /).
const { NodeTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-http');
const { logs } = require('@opentelemetry/api-logs');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');

const [openaiBase, otlpBase, token] = process.argv.slice(2);
const headers = token ? { Authorization: `Bearer ${token}` } : {};
const tracerProvider = new NodeTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${otlpBase}v1/traces`, headers }))],
});
tracerProvider.register();
const loggerProvider = new LoggerProvider({
  // A batch processor, as in production: one call's events go in one request (exported on flush here).
  processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${otlpBase}v1/logs`, headers }), scheduledDelayMillis: 60000 })],
});
logs.setGlobalLoggerProvider(loggerProvider);
registerInstrumentations({ instrumentations: [new OpenAIInstrumentation({ captureMessageContent: true })] });

const { OpenAI } = require('openai');

async function main() {
  const client = new OpenAI({ baseURL: openaiBase, apiKey: 'test-key' });
  const completion = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: 'What is the capital of France?' },
    ],
  });
  console.log(JSON.stringify({ content: completion.choices[0].message.content, usage: completion.usage }));
  await tracerProvider.forceFlush();
  await loggerProvider.forceFlush();
  await tracerProvider.shutdown();
  await loggerProvider.shutdown();
}

main().catch(e => { console.error(e); process.exit(1); });
