// ODK Collect / KoboCollect: field officers' devices over OpenRosa.
import type { Adapter } from '../types.ts';
import { mountOpenRosa } from './openrosa.ts';

export const odk: Adapter = {
  folder: 'odk',
  title: 'ODK Collect',
  mount(router, deps) {
    if (deps.field) mountOpenRosa(router, deps.field, deps.logger, deps.publicUrl);
  },
};
