/** The part of the cry-mqtt-broker config node that cry ha mqtt uses. */
import type { Node } from 'node-red';

/** What a cry-mqtt-broker node offers. */
export interface MqttBrokerNode extends Node {
  readonly settings?: {
    readonly brokerUrl: string;
    readonly username?: string;
    readonly password?: string;
    readonly discoveryPrefix: string;
  };
  readonly problem?: string;
  /** True when no URL and no login are set: MQTT is simply not set up (yet), which is no error. */
  readonly notConfigured?: boolean;
}
