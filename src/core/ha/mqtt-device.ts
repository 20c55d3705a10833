/**
 * One room as a Home Assistant device over MQTT discovery (device-based discovery,
 * https://www.home-assistant.io/integrations/mqtt/#device-discovery-payload): a retained
 * `<prefix>/device/<id>/config` with `dev`, `o` and `cmps` describing
 *   - binary_sensor (device_class sound) "Crying", following cry detect's episodes,
 *   - sensor "Cry probability" (%, rate-limited, only on change),
 *   - event "Cry episode" (event types started / stopped, with duration and peak),
 *   - number "Cry threshold" and switch "Cry detection", which Home Assistant sets and cry detect acts on live;
 * availability through a retained birth ("online") and last will ("offline") on `<base>/<id>/availability`.
 *
 * Offline policy: states are retained and coalesce to the latest value per entity (what is sent on reconnect is
 * the current state, not the history); episode events are never pushed out by states, are kept (up to a bound) in
 * order with their original time, and are sent after the states on reconnect. Everything is QoS 1. Discovery is
 * sent again whenever Home Assistant's own birth message (`<prefix>/status` = online) arrives.
 */
import mqtt, { IClientOptions, MqttClient } from 'mqtt';
import { describeConnectionError, redactUrl } from './connection-errors';

/** How to reach the broker and how the room is named. */
export interface MqttDeviceSettings {
  /** mqtt://host:1883, mqtts://host:8883, ws://host:port/path */
  readonly brokerUrl: string;
  readonly username?: string;
  readonly password?: string;
  /** The room, as people call it ("Nursery"): the device's name and the start of every entity id. */
  readonly room: string;
  /** Home Assistant's discovery prefix (default homeassistant). */
  readonly discoveryPrefix?: string;
  /** Where our own topics live (default cry_baby). */
  readonly baseTopic?: string;
  /** Probability updates: at most one per this many ms (default 5000)... */
  readonly probabilityIntervalMs?: number;
  /** ...and only when it changed by at least this many percentage points (default 2). */
  readonly probabilityDeltaPercent?: number;
  /** Episode events kept while the broker is away (default 100; the oldest stop/start pair goes first). */
  readonly maxQueuedEvents?: number;
  /** Package version, for the device's software version and the origin. */
  readonly softwareVersion: string;
  /** What the device reports as its model ("YAMNet (AudioSet)"). */
  readonly model?: string;
  readonly reconnectMs?: number;
  readonly connectTimeoutMs?: number;
}

/** What Home Assistant asked for. */
export type DeviceCommand = { readonly threshold: number } | { readonly enabled: boolean };

/** Connection states, shown on the node. */
export type MqttDeviceState = 'connecting' | 'connected' | 'disconnected' | 'auth failed' | 'closed';

/** An episode event as published on the event entity. */
export interface EpisodeEventPayload {
  readonly event_type: 'started' | 'stopped';
  /** When it happened (ISO 8601), not when it was sent. */
  readonly time: string;
  readonly duration_s: number;
  readonly peak: number;
  readonly mean?: number;
  readonly source?: string;
}

/** All topics of one device. */
export interface DeviceTopics {
  readonly config: string;
  readonly availability: string;
  readonly crying: string;
  readonly cryingAttributes: string;
  readonly probability: string;
  readonly episode: string;
  readonly thresholdState: string;
  readonly thresholdCommand: string;
  readonly detectionState: string;
  readonly detectionCommand: string;
  readonly haStatus: string;
}

/** A room device. */
export interface MqttCryDevice {
  readonly id: string;
  readonly topics: DeviceTopics;
  readonly state: MqttDeviceState;
  start(): void;
  /** Publishes "offline" (retained) and disconnects. */
  close(): Promise<void>;
  onState(listener: (state: MqttDeviceState, detail: string) => void): () => void;
  onCommand(listener: (command: DeviceCommand) => void): () => void;
  setCrying(crying: boolean, attributes?: Record<string, unknown>): void;
  setProbability(probability: number): void;
  episode(event: EpisodeEventPayload): void;
  setThreshold(threshold: number): void;
  setEnabled(enabled: boolean): void;
  /** Events waiting for the broker. */
  readonly queuedEvents: number;
}

/** "Nursery 2" -> "nursery_2": Home Assistant's object id rules (a-z, 0-9, _). */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const TOPIC_LEVEL = /^[A-Za-z0-9_-]+$/;

/** Checks a topic we are about to use: no wildcards, no empty levels, no spaces. */
export function validateTopic(topic: string): string | undefined {
  if (!topic || topic.length > 256) return `topic must be 1-256 characters, got ${topic.length}`;
  for (const level of topic.split('/'))
    if (!TOPIC_LEVEL.test(level))
      return `topic level "${level}" in "${topic}" must be letters, digits, _ or -`;
  return undefined;
}

/** The topics of a device. */
export function deviceTopics(
  id: string,
  discoveryPrefix = 'homeassistant',
  baseTopic = 'cry_baby',
): DeviceTopics {
  const base = `${baseTopic}/${id}`;
  return {
    config: `${discoveryPrefix}/device/${id}/config`,
    availability: `${base}/availability`,
    crying: `${base}/crying`,
    cryingAttributes: `${base}/crying/attributes`,
    probability: `${base}/probability`,
    episode: `${base}/episode`,
    thresholdState: `${base}/threshold`,
    thresholdCommand: `${base}/threshold/set`,
    detectionState: `${base}/detection`,
    detectionCommand: `${base}/detection/set`,
    haStatus: `${discoveryPrefix}/status`,
  };
}

/** Threshold range offered in Home Assistant. */
export const THRESHOLD_RANGE = Object.freeze({ min: 0.05, max: 0.95, step: 0.01 });

/**
 * The device-based discovery payload. Each component names its entity with `object_id` (honoured by Home
 * Assistant up to 2025.x, including the 2025.4 we test against) and `default_entity_id` (newer releases).
 */
export function discoveryPayload(
  settings: Pick<MqttDeviceSettings, 'room' | 'softwareVersion' | 'model'>,
  id: string,
  topics: DeviceTopics,
): Record<string, unknown> {
  const slug = slugify(settings.room) || id;
  const component = (platform: string, key: string, name: string, extra: Record<string, unknown>) => ({
    p: platform,
    name,
    unique_id: `cry_baby_${id}_${key}`,
    object_id: `${slug}_${key}`,
    default_entity_id: `${platform}.${slug}_${key}`,
    ...extra,
  });
  return {
    dev: {
      ids: [`cry_baby_${id}`],
      name: `${settings.room} cry detector`,
      mf: 'Cry Baby',
      mdl: settings.model ?? 'cry detector',
      sw: settings.softwareVersion,
    },
    o: {
      name: 'node-red-contrib-cry-baby',
      sw: settings.softwareVersion,
      url: 'https://www.npmjs.com/package/node-red-contrib-cry-baby',
    },
    avty_t: topics.availability,
    pl_avail: 'online',
    pl_not_avail: 'offline',
    qos: 1,
    cmps: {
      cry: component('binary_sensor', 'cry', 'Crying', {
        device_class: 'sound',
        state_topic: topics.crying,
        payload_on: 'ON',
        payload_off: 'OFF',
        json_attributes_topic: topics.cryingAttributes,
        icon: 'mdi:emoticon-cry-outline',
      }),
      cry_probability: component('sensor', 'cry_probability', 'Cry probability', {
        state_topic: topics.probability,
        unit_of_measurement: '%',
        state_class: 'measurement',
        suggested_display_precision: 0,
        icon: 'mdi:chart-bell-curve',
      }),
      cry_episode: component('event', 'cry_episode', 'Cry episode', {
        state_topic: topics.episode,
        event_types: ['started', 'stopped'],
        icon: 'mdi:baby-face-outline',
      }),
      cry_threshold: component('number', 'cry_threshold', 'Cry threshold', {
        state_topic: topics.thresholdState,
        command_topic: topics.thresholdCommand,
        min: THRESHOLD_RANGE.min,
        max: THRESHOLD_RANGE.max,
        step: THRESHOLD_RANGE.step,
        mode: 'slider',
        entity_category: 'config',
        retain: true,
        icon: 'mdi:tune-vertical',
      }),
      cry_detection: component('switch', 'cry_detection', 'Cry detection', {
        state_topic: topics.detectionState,
        command_topic: topics.detectionCommand,
        payload_on: 'ON',
        payload_off: 'OFF',
        entity_category: 'config',
        retain: true,
        icon: 'mdi:ear-hearing',
      }),
    },
  };
}

/** Checks the settings; returns the problem or undefined. */
export function validateMqttDeviceSettings(settings: MqttDeviceSettings): string | undefined {
  let url: URL;
  try {
    url = new URL(settings.brokerUrl);
  } catch {
    return `broker URL "${redactUrl(settings.brokerUrl)}" is not a URL (expected mqtt://host:1883)`;
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'ssl:'].includes(url.protocol))
    return `broker URL must start with mqtt://, mqtts://, ws:// or wss://, got ${url.protocol}//`;
  if (!url.hostname) return 'broker URL has no host';
  if (!slugify(settings.room)) return 'room name must contain letters or digits';
  for (const prefix of [settings.discoveryPrefix ?? 'homeassistant', settings.baseTopic ?? 'cry_baby']) {
    const problem = validateTopic(prefix);
    if (problem) return problem;
  }
  const interval = settings.probabilityIntervalMs ?? 5000;
  if (!(interval >= 0)) return `probability interval must be 0 or more, got ${interval}`;
  const delta = settings.probabilityDeltaPercent ?? 2;
  if (!(delta >= 0 && delta <= 100)) return `probability change must be 0-100 points, got ${delta}`;
  return undefined;
}

const onOff = (on: boolean) => (on ? 'ON' : 'OFF');

/** Creates the device (not connected until `start`). */
export function createMqttCryDevice(
  settings: MqttDeviceSettings,
  connect: (url: string, options: IClientOptions) => MqttClient = mqtt.connect,
): MqttCryDevice {
  const problem = validateMqttDeviceSettings(settings);
  if (problem) throw new Error(problem);
  const id = slugify(settings.room);
  const topics = deviceTopics(id, settings.discoveryPrefix, settings.baseTopic);
  const shownUrl = redactUrl(settings.brokerUrl);
  const probabilityIntervalMs = settings.probabilityIntervalMs ?? 5000;
  const probabilityDelta = settings.probabilityDeltaPercent ?? 2;
  const maxQueuedEvents = settings.maxQueuedEvents ?? 100;
  const stateListeners = new Set<(state: MqttDeviceState, detail: string) => void>();
  const commandListeners = new Set<(command: DeviceCommand) => void>();
  /** The latest retained state per topic: what Home Assistant must see after any reconnect. */
  const retainedStates = new Map<string, string>();
  const pendingEvents: string[] = [];
  let state: MqttDeviceState = 'disconnected';
  let client: MqttClient | undefined;
  let closed = false;
  let lastProbability: { percent: number; at: number } | undefined;
  let probabilityTimer: NodeJS.Timeout | undefined;
  let pendingProbability: number | undefined;

  const setState = (next: MqttDeviceState, detail = '') => {
    if (next === state && !detail) return;
    state = next;
    for (const listener of stateListeners) listener(next, detail);
  };
  const connected = () => state === 'connected' && client?.connected === true;

  const publish = (topic: string, payload: string, retain: boolean) =>
    new Promise<void>((resolve) => {
      if (!client) return resolve();
      client.publish(topic, payload, { qos: 1, retain }, (error) => {
        if (error && !closed) setState('disconnected', describeConnectionError(error, settings.brokerUrl));
        resolve();
      });
    });

  const setRetained = (topic: string, payload: string) => {
    if (retainedStates.get(topic) === payload) return;
    retainedStates.set(topic, payload);
    if (connected()) void publish(topic, payload, true);
  };

  const announce = async () => {
    await publish(topics.config, JSON.stringify(discoveryPayload(settings, id, topics)), true);
    await publish(topics.availability, 'online', true);
    for (const [topic, payload] of retainedStates) await publish(topic, payload, true);
  };

  const flushEvents = async () => {
    while (pendingEvents.length && connected()) {
      const payload = pendingEvents[0];
      await publish(topics.episode, payload, false);
      if (pendingEvents[0] === payload) pendingEvents.shift();
    }
  };

  const sendProbability = (percent: number) => {
    lastProbability = { percent, at: Date.now() };
    setRetained(topics.probability, String(percent));
  };

  return {
    id,
    topics,
    get state() {
      return state;
    },
    get queuedEvents() {
      return pendingEvents.length;
    },
    start() {
      if (client || closed) return;
      setState('connecting');
      const mqttClient = connect(settings.brokerUrl, {
        clientId: `cry_baby_${id}_${Math.random().toString(16).slice(2, 10)}`,
        username: settings.username || undefined,
        password: settings.password || undefined,
        clean: true,
        reconnectPeriod: settings.reconnectMs ?? 3000,
        connectTimeout: settings.connectTimeoutMs ?? 10000,
        resubscribe: true,
        // Nothing sits in mqtt.js's own offline queue: we keep states and events ourselves (coalesced, bounded).
        queueQoSZero: false,
        will: { topic: topics.availability, payload: Buffer.from('offline'), qos: 1, retain: true },
      });
      client = mqttClient;
      mqttClient.on('connect', () => {
        setState('connected', shownUrl);
        mqttClient.subscribe(
          [topics.haStatus, topics.thresholdCommand, topics.detectionCommand],
          { qos: 1 },
          () => undefined,
        );
        void announce().then(flushEvents);
      });
      mqttClient.on('message', (topic, payload) => {
        const text = payload.toString('utf8').trim();
        if (topic === topics.haStatus) {
          if (text === 'online' && connected()) void announce().then(flushEvents);
        } else if (topic === topics.thresholdCommand) {
          const value = Number(text);
          if (!(value >= THRESHOLD_RANGE.min && value <= THRESHOLD_RANGE.max)) return;
          for (const listener of commandListeners) listener({ threshold: value });
        } else if (topic === topics.detectionCommand) {
          if (text !== 'ON' && text !== 'OFF') return;
          for (const listener of commandListeners) listener({ enabled: text === 'ON' });
        }
      });
      mqttClient.on('error', (error) => {
        const code = (error as { code?: unknown }).code;
        // CONNACK 4 (bad user name or password) and 5 (not authorised): retrying cannot help.
        if (code === 4 || code === 5 || code === 134 || code === 135) {
          setState('auth failed', `the broker refused the login (${error.message})`);
          mqttClient.end(true);
          return;
        }
        setState('disconnected', describeConnectionError(error, settings.brokerUrl));
      });
      mqttClient.on('offline', () => {
        if (!closed && state !== 'auth failed') setState('disconnected', `broker ${shownUrl} is offline`);
      });
      mqttClient.on('reconnect', () => {
        if (!closed && state !== 'auth failed') setState('connecting', shownUrl);
      });
    },
    async close() {
      closed = true;
      if (probabilityTimer) clearTimeout(probabilityTimer);
      probabilityTimer = undefined;
      const mqttClient = client;
      client = undefined;
      if (mqttClient) {
        if (mqttClient.connected) {
          await new Promise<void>((resolve) =>
            mqttClient.publish(topics.availability, 'offline', { qos: 1, retain: true }, () => resolve()),
          );
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            mqttClient.end(true);
            resolve();
          }, 2000);
          mqttClient.end(false, {}, () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      setState('closed');
    },
    onState(listener) {
      stateListeners.add(listener);
      listener(state, '');
      return () => stateListeners.delete(listener);
    },
    onCommand(listener) {
      commandListeners.add(listener);
      return () => commandListeners.delete(listener);
    },
    setCrying(crying, attributes) {
      if (attributes) setRetained(topics.cryingAttributes, JSON.stringify(attributes));
      setRetained(topics.crying, onOff(crying));
    },
    setProbability(probability) {
      if (!(probability >= 0 && probability <= 1))
        throw new Error(`probability must be 0-1, got ${probability}`);
      const percent = Math.round(probability * 100);
      if (lastProbability && Math.abs(percent - lastProbability.percent) < probabilityDelta) return;
      const wait = lastProbability ? lastProbability.at + probabilityIntervalMs - Date.now() : 0;
      if (wait <= 0) {
        pendingProbability = undefined;
        return sendProbability(percent);
      }
      // Too soon: the latest value goes out when the interval is up (one timer at most).
      pendingProbability = percent;
      probabilityTimer ??= setTimeout(() => {
        probabilityTimer = undefined;
        if (pendingProbability !== undefined && !closed) sendProbability(pendingProbability);
        pendingProbability = undefined;
      }, wait);
    },
    episode(event) {
      pendingEvents.push(JSON.stringify(event));
      while (pendingEvents.length > maxQueuedEvents) pendingEvents.shift();
      if (connected() && pendingEvents.length === 1) void flushEvents();
    },
    setThreshold(threshold) {
      setRetained(topics.thresholdState, String(Math.round(threshold * 1000) / 1000));
    },
    setEnabled(enabled) {
      setRetained(topics.detectionState, onOff(enabled));
    },
  };
}
