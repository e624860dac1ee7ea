CREATE TABLE `arbiter_models` (
	`version` integer PRIMARY KEY NOT NULL,
	`w` real NOT NULL,
	`b` real NOT NULL,
	`loss` real,
	`auc` real,
	`samples` integer NOT NULL,
	`epochs` integer NOT NULL,
	`learning_rate` real,
	`created_at` integer NOT NULL
);
