// What the console router lends each group of its routes (console-app.ts builds it once).
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Ledger } from '../../ledger/ledger.ts';
import type { Actor, Permission } from '../../console/accounts.ts';
import type { Frame } from '../../console/pages.ts';

export interface ConsoleRouteContext {
  ledger: Ledger;
  log: Logger;
  frame: (req: Request, notice?: Frame['notice']) => Frame;
  allowed: (what: Permission) => (req: Request, res: Response, next: NextFunction) => void;
  actor: (req: Request) => Actor;
  notFound: (req: Request, res: Response) => void;
}
