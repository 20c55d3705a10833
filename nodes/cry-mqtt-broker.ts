/**
 * cry-mqtt-broker: where the MQTT broker is (config node): the URL, an optional login (credentials, never
 * exported) and Home Assistant's discovery prefix. Each `cry ha mqtt` node opens its own connection from it,
 * because availability (the last will) belongs to one device.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { redactUrl } from '../src/core/ha/connection-errors';
import { validateTopic } from '../src/core/ha/mqtt-device';
import type { MqttBrokerNode } from '../src/node-red/mqtt-broker';

interface CryMqttBrokerConfig extends NodeDef {
  brokerUrl?: string;
  discoveryPrefix?: string;
}

interface Credentials {
  username?: unknown;
  password?: unknown;
}

export = (RED: NodeAPI): void => {
  function CryMqttBrokerNode(
    this: Node<Credentials> & {
      settings?: MqttBrokerNode['settings'];
      problem?: string;
      notConfigured?: boolean;
    },
    config: CryMqttBrokerConfig,
  ): void {
    RED.nodes.createNode(this, config);
    const brokerUrl = (config.brokerUrl ?? '').trim();
    const discoveryPrefix = (config.discoveryPrefix ?? '').trim() || 'homeassistant';
    const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
    if (!brokerUrl && !text(this.credentials?.username) && !text(this.credentials?.password)) {
      // As imported from the examples: not set up yet. cry ha mqtt shows a grey ring and lets messages pass.
      this.notConfigured = true;
      this.problem = 'MQTT is not configured';
      this.log('MQTT broker is not configured (no URL): the cry ha mqtt nodes stay idle');
      return;
    }
    if (!brokerUrl) this.problem = 'no broker URL set (e.g. mqtt://homeassistant.local:1883)';
    else {
      this.problem = validateTopic(discoveryPrefix);
      if (!this.problem && /@/.test(brokerUrl.replace(/^[a-z]+:\/\//i, '').split('/')[0]))
        this.problem = `put the user name and password in their own fields, not in the URL (${redactUrl(brokerUrl)})`;
    }
    if (this.problem) {
      this.error(this.problem);
      return;
    }
    this.settings = {
      brokerUrl,
      username: text(this.credentials?.username),
      password: text(this.credentials?.password),
      discoveryPrefix,
    };
  }
  RED.nodes.registerType(
    'cry-mqtt-broker',
    CryMqttBrokerNode as (this: Node<Credentials>, config: CryMqttBrokerConfig) => void,
    { credentials: { username: { type: 'text' }, password: { type: 'password' } } },
  );
};
