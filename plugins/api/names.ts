/** The api plugin's names: the plugin, its service (files `.qms/api/<SERVICE>.{pid,log,token}`), its tasks. */
export const API_PLUGIN = 'api';
export const API_SERVICE = 'api';
export const API_TASK = 'api';
export const API_STOP_TASK = 'api:stop';
export const API_STATE_KIND = 'api-server';
