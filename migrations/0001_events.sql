CREATE TABLE `event_failures` (
	`id` text PRIMARY KEY NOT NULL,
	`event_id` text,
	`type` text,
	`status` text NOT NULL,
	`attempts` integer NOT NULL,
	`last_error` text NOT NULL,
	`payload` text NOT NULL,
	`first_failed_at` integer NOT NULL,
	`last_failed_at` integer NOT NULL,
	`dead_lettered_at` integer
);
--> statement-breakpoint
CREATE INDEX `event_failures_last` ON `event_failures` (`last_failed_at`,`id`);--> statement-breakpoint
CREATE INDEX `event_failures_status` ON `event_failures` (`status`,`last_failed_at`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`source` text NOT NULL,
	`severity` text NOT NULL,
	`time` integer NOT NULL,
	`worldline` text,
	`agent` text,
	`data` text NOT NULL,
	`persisted_at` integer NOT NULL,
	`routed_at` integer
);
--> statement-breakpoint
CREATE INDEX `events_time` ON `events` (`time`,`id`);--> statement-breakpoint
CREATE INDEX `events_type` ON `events` (`type`,`time`,`id`);--> statement-breakpoint
CREATE INDEX `events_severity` ON `events` (`severity`,`time`,`id`);--> statement-breakpoint
CREATE INDEX `events_worldline` ON `events` (`worldline`,`time`,`id`);--> statement-breakpoint
CREATE INDEX `events_agent` ON `events` (`agent`,`time`,`id`);--> statement-breakpoint
CREATE TABLE `halo_triggers` (
	`event_id` text PRIMARY KEY NOT NULL,
	`event_type` text NOT NULL,
	`severity` text NOT NULL,
	`worldline` text,
	`agent` text,
	`status` text NOT NULL,
	`triggered_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `halo_triggers_status` ON `halo_triggers` (`status`,`triggered_at`);