/**
 * cry-ha-server: the Home Assistant connection (config node). One websocket per config node, shared by every
 * node that uses it; the access token is a credential of type password, never part of the exported flow.
 * In add-on mode (Node-RED as a Home Assistant add-on) the Supervisor's URL and token are used when present.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { createHaClient, HaClient, supervisorSettings, websocketUrl } from '../src/core/ha/client';
import { errorMessage } from '../src/node-red/status';
import { redactUrl } from '../src/core/ha/connection-errors';

interface CryHaServerConfig extends NodeDef {
  baseUrl?: string;
  addon?: boolean;
  offlinePolicy?: string;
  queueSize?: string | number;
  queueMaxAge?: string | number;
}

interface Credentials {
  token: unknown;
}

type ServerNode = Node<Credentials> & { client?: HaClient; problem?: string; notConfigured?: boolean };

export = (RED: NodeAPI): void => {
  function CryHaServerNode(this: ServerNode, config: CryHaServerConfig): void {
    RED.nodes.createNode(this, config);
    const supervisor = config.addon ? supervisorSettings() : undefined;
    const baseUrl = supervisor?.baseUrl ?? (config.baseUrl ?? '').trim();
    const token =
      supervisor?.token ?? (typeof this.credentials?.token === 'string' ? this.credentials.token : '').trim();
    const queueSize = Number(config.queueSize ?? 10);
    const queueMaxAge = Number(config.queueMaxAge ?? 60);
    let problem: string | undefined;
    if (!baseUrl)
      problem = config.addon
        ? 'add-on mode, but SUPERVISOR_TOKEN is not set: enter a URL and token'
        : 'no Home Assistant URL set';
    else if (!token) problem = 'no access token set';
    else if (!(queueSize >= 1 && queueSize <= 1000))
      problem = `queue size must be 1-1000, got ${config.queueSize}`;
    else if (!(queueMaxAge >= 1)) problem = `queue age must be at least 1 s, got ${config.queueMaxAge}`;
    else {
      try {
        websocketUrl(baseUrl);
      } catch (error) {
        problem = errorMessage(error);
      }
    }
    if (!config.addon && !baseUrl && !token) {
      // As imported from the examples: not set up yet. Dependent nodes show a grey ring and let messages pass.
      this.notConfigured = true;
      this.problem = 'Home Assistant is not configured';
      this.log('Home Assistant is not configured (no URL, no token): the Home Assistant nodes stay idle');
      return;
    }
    if (problem) {
      this.problem = problem;
      this.error(problem);
      return;
    }
    const client = createHaClient({
      baseUrl,
      token,
      offline:
        config.offlinePolicy === 'drop'
          ? { policy: 'drop' }
          : { policy: 'queue', maxItems: queueSize, maxAgeMs: queueMaxAge * 1000 },
    });
    this.client = client;
    const shownUrl = redactUrl(baseUrl);
    client.onState((state, detail) => {
      if (state === 'auth failed')
        this.error(
          `Home Assistant at ${shownUrl}: authentication failed (check the long-lived access token)`,
        );
      else if (state === 'connected') this.log(`connected to Home Assistant ${detail} at ${shownUrl}`);
      else if (state === 'disconnected' && detail) this.warn(`Home Assistant at ${shownUrl}: ${detail}`);
    });
    client.start();
    this.on('close', (_removed: boolean, done: () => void) => {
      client.close().then(
        () => done(),
        () => done(),
      );
    });
  }
  RED.nodes.registerType(
    'cry-ha-server',
    CryHaServerNode as (this: Node<Credentials>, config: CryHaServerConfig) => void,
    {
      credentials: { token: { type: 'password' } },
    },
  );
};
