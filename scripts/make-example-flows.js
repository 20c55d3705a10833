#!/usr/bin/env node
// Writes the example flows in examples/flows/ (kept as code so that ids, wiring and positions stay consistent).
'use strict';
const fs = require('fs');
const path = require('path');

const out = path.join(__dirname, '..', 'examples', 'flows');
fs.mkdirSync(out, { recursive: true });

function chain(tab, prefix, source, extras) {
  const id = (name) => `${prefix}-${name}`;
  return [
    { id: tab, type: 'tab', label: extras.label, disabled: false, info: extras.info },
    source,
    { id: id('classifier'), type: 'cry-classifier', z: tab, name: '', model: 'auto', download: true, yamnetFile: '', modelDir: '', threshold: '', x: 580, y: 200, wires: [[id('detect')]] },
    { id: id('detect'), type: 'cry-detect', z: tab, name: '', onThreshold: '', offThreshold: '', onCount: '', onWindow: '', offCount: '', offSeconds: '', cooldown: '', minDuration: '', x: 790, y: 160, wires: [[id('switch'), id('event'), id('debug')], [id('log'), id('state')]] },
    { id: id('switch'), type: 'switch', z: tab, name: 'start or stop?', property: 'payload', propertyType: 'msg', rules: [{ t: 'eq', v: 'start', vt: 'str' }, { t: 'eq', v: 'stop', vt: 'str' }], checkall: 'true', repair: false, outputs: 2, x: 1000, y: 100, wires: [[id('light-on')], [id('light-off')]] },
    { id: id('light-on'), type: 'cry-ha-action', z: tab, name: 'nursery light on', server: id('ha'), action: 'light.turn_on', target: '{"entity_id":"light.nursery"}', data: '{"brightness_pct":30}', returnResponse: false, x: 1230, y: 80, wires: [[]] },
    { id: id('light-off'), type: 'cry-ha-action', z: tab, name: 'nursery light off', server: id('ha'), action: 'light.turn_off', target: '{"entity_id":"light.nursery"}', data: '{}', returnResponse: false, x: 1230, y: 120, wires: [[]] },
    { id: id('event'), type: 'cry-ha-event', z: tab, name: '', server: id('ha'), eventType: '', room: 'nursery', x: 1010, y: 160, wires: [[]] },
    { id: id('debug'), type: 'debug', z: tab, name: 'crying starts / stops', active: true, tosidebar: true, console: false, tostatus: false, complete: 'event', targetType: 'msg', x: 1040, y: 220, wires: [] },
    { id: id('log'), type: 'cry-log', z: tab, name: '', file: 'cry-baby/predictions.csv', rotation: 'daily', maxSizeMB: 10, clipMode: 'episode', clipFolder: 'cry-baby/clips', preRoll: 5, maxAgeDays: 14, maxTotalMB: 500, x: 780, y: 260, wires: [[]] },
    { id: id('state'), type: 'cry-ha-state', z: tab, name: '', server: id('ha'), entityName: 'nursery', delta: 0.05, interval: 60, x: 800, y: 320, wires: [[]] },
    { id: id('ha'), type: 'cry-ha-server', name: 'Home Assistant', baseUrl: 'http://homeassistant.local:8123', addon: false, offlinePolicy: 'queue', queueSize: 10, queueMaxAge: 60 },
    { id: id('note-source'), type: 'comment', z: tab, name: extras.sourceNote, info: extras.sourceInfo, x: 200, y: 40, wires: [] },
    { id: id('note-ha'), type: 'comment', z: tab, name: 'Home Assistant: open the "Home Assistant" server node, enter URL and token', info: 'Double-click any Home Assistant node (blue), then the pencil next to Server. Enter your Home Assistant URL and a long-lived access token (Home Assistant: your profile > Security > Long-lived access tokens > Create token). Running Node-RED as the Home Assistant add-on? Tick the add-on box instead. Change light.nursery to your own light. Without Home Assistant the flow still runs and logs; the Home Assistant nodes then show what is missing.', x: 1160, y: 40, wires: [] },
    { id: id('note-log'), type: 'comment', z: tab, name: 'Every verdict goes to cry-baby/predictions-<date>.csv in the Node-RED folder; crying episodes are saved as WAV', info: 'cry log writes timestamp,audio_file,probability,model,source for every window, and keeps the audio of each crying episode (with 5 s before it) for 14 days / 500 MB at most.', x: 640, y: 380, wires: [] },
  ];
}

const microphone = chain('flow-mic', 'mic', {
  id: 'mic-source', type: 'cry-mic', z: 'flow-mic', name: 'nursery microphone', recorder: 'sox', device: '', driver: '', window: 4, hop: 1, noDataTimeout: 5, autoStart: true, x: 180, y: 200, wires: [['mic-classifier']],
}, {
  label: 'Cry Baby: microphone',
  info: 'Listens to a microphone on the Node-RED host, tells when the baby cries, turns the nursery light on while crying, fires cry_baby_started / cry_baby_stopped events, publishes binary_sensor.nursery_crying and sensor.nursery_cry_probability, and logs every verdict.',
  sourceNote: 'Microphone: pick sox or arecord and the device (arecord -l lists them)',
  sourceInfo: 'Needs sox (apt-get install sox) or arecord (alsa-utils) on the Node-RED host. Default device: leave empty. A USB microphone on a Raspberry Pi is usually plughw:1,0 with arecord. Without a microphone this node shows the recorder error and keeps retrying.',
});

const camera = chain('flow-camera', 'cam', {
  id: 'cam-source', type: 'cry-stream', z: 'flow-camera', name: 'nursery camera', url: 'rtsp://user:password@192.168.1.20:554/stream1', format: '', realtime: false, window: 4, hop: 1, noDataTimeout: 10, autoStart: true, x: 180, y: 200, wires: [['cam-classifier']],
}, {
  label: 'Cry Baby: IP camera',
  info: 'The same as the microphone flow, listening to the audio of the IP camera that watches the cot.',
  sourceNote: 'Camera: enter the RTSP address of your camera (with user and password)',
  sourceInfo: 'Needs ffmpeg on the Node-RED host (apt-get install ffmpeg; in the Home Assistant Node-RED add-on, add ffmpeg to its system packages). The RTSP address is in the camera manual, e.g. rtsp://user:password@192.168.1.20:554/stream1 (Tapo, Reolink, Hikvision all have one). The camera must send audio.',
});

const replay = [
  { id: 'flow-replay', type: 'tab', label: 'Cry Baby: replay recordings', disabled: false, info: 'Replays a folder of recordings through the classifier and logs the probability of every window.' },
  { id: 'replay-note', type: 'comment', z: 'flow-replay', name: 'Set the folder of recordings in "cry file", then click the inject button', info: 'cry file reads WAV (and FLAC/MP3 through sox) at any sample rate. The CSV goes to cry-baby/replay.csv in the Node-RED folder, one row per 4 s window, audio_file pointing at the recording.', x: 260, y: 40, wires: [] },
  { id: 'replay-inject', type: 'inject', z: 'flow-replay', name: 'replay', props: [{ p: 'payload' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', payload: 'go', payloadType: 'str', x: 130, y: 120, wires: [['replay-file']] },
  { id: 'replay-file', type: 'cry-file', z: 'flow-replay', name: 'recordings', path: '/home/pi/recordings', mode: 'fast', hop: 1, x: 300, y: 120, wires: [['replay-classifier'], ['replay-done']] },
  { id: 'replay-classifier', type: 'cry-classifier', z: 'flow-replay', name: '', model: 'auto', download: true, yamnetFile: '', modelDir: '', threshold: '', x: 510, y: 100, wires: [['replay-log']] },
  { id: 'replay-log', type: 'cry-log', z: 'flow-replay', name: '', file: 'cry-baby/replay.csv', rotation: 'none', maxSizeMB: 100, clipMode: 'none', clipFolder: 'cry-baby/clips', preRoll: 5, maxAgeDays: 14, maxTotalMB: 500, x: 710, y: 100, wires: [[]] },
  { id: 'replay-done', type: 'debug', z: 'flow-replay', name: 'replay finished', active: true, tosidebar: true, console: false, tostatus: true, complete: 'windows', targetType: 'msg', x: 520, y: 160, wires: [] },
];

const write = (name, flow) => fs.writeFileSync(path.join(out, name), JSON.stringify(flow, null, 2) + '\n');
write('nursery-microphone.json', microphone);
write('nursery-camera.json', camera);
write('replay-recordings.json', replay);
