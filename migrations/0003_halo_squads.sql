CREATE TABLE `grafts` (
	`id` text PRIMARY KEY NOT NULL,
	`spore_id` text NOT NULL,
	`worldline` text NOT NULL,
	`status` text NOT NULL,
	`base_commit` text,
	`install_commit` text,
	`uninstall_commit` text,
	`inverse` text,
	`error` text,
	`claimed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`installed_at` integer,
	`uninstalled_at` integer
);
--> statement-breakpoint
CREATE INDEX `grafts_created` ON `grafts` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `grafts_worldline` ON `grafts` (`worldline`,`created_at`);--> statement-breakpoint
CREATE INDEX `grafts_spore` ON `grafts` (`spore_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `halo_cycles` (
	`id` text PRIMARY KEY NOT NULL,
	`trigger` text NOT NULL,
	`trigger_events` text NOT NULL,
	`started_at` integer NOT NULL,
	`completed_at` integer NOT NULL,
	`window_start` integer NOT NULL,
	`events_read` integer NOT NULL,
	`weak_points` integer NOT NULL,
	`tasks_created` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `halo_cycles_started` ON `halo_cycles` (`started_at`,`id`);--> statement-breakpoint
CREATE TABLE `halo_evidence` (
	`fingerprint` text NOT NULL,
	`event_id` text NOT NULL,
	`time` integer NOT NULL,
	PRIMARY KEY(`fingerprint`, `event_id`)
);
--> statement-breakpoint
CREATE TABLE `halo_traits` (
	`fingerprint` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`severity` text NOT NULL,
	`is_active` integer NOT NULL,
	`failures` integer NOT NULL,
	`cycles` integer NOT NULL,
	`tasks` integer NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`active_since` integer NOT NULL,
	`resolutions` integer NOT NULL,
	`total_resolve_ms` integer NOT NULL,
	`last_resolved_at` integer
);
--> statement-breakpoint
CREATE INDEX `halo_traits_seen` ON `halo_traits` (`last_seen_at`,`fingerprint`);--> statement-breakpoint
CREATE INDEX `halo_traits_active` ON `halo_traits` (`is_active`);--> statement-breakpoint
CREATE TABLE `halo_weak_points` (
	`id` text PRIMARY KEY NOT NULL,
	`cycle_id` text NOT NULL,
	`fingerprint` text NOT NULL,
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`subsystem` text NOT NULL,
	`severity` text NOT NULL,
	`score` real NOT NULL,
	`detail` text NOT NULL,
	`action` text NOT NULL,
	`evidence` text NOT NULL,
	`evidence_count` integer NOT NULL,
	`task_id` text,
	`is_new` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `halo_weak_points_cycle` ON `halo_weak_points` (`cycle_id`);--> statement-breakpoint
CREATE INDEX `halo_weak_points_fingerprint` ON `halo_weak_points` (`fingerprint`,`cycle_id`);--> statement-breakpoint
CREATE TABLE `resonance` (
	`agent` text NOT NULL,
	`kind` text NOT NULL,
	`successes` integer NOT NULL,
	`failures` integer NOT NULL,
	`total_ms` integer NOT NULL,
	`last_outcome_at` integer NOT NULL,
	PRIMARY KEY(`agent`, `kind`)
);
--> statement-breakpoint
CREATE TABLE `spores` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`description` text NOT NULL,
	`status` text NOT NULL,
	`entities` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`published_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `spores_name_version` ON `spores` (`name`,`version`);--> statement-breakpoint
CREATE INDEX `spores_created` ON `spores` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `squad_task_attempts` (
	`task_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`agent` text,
	`squad_id` text,
	`message_id` text,
	`started_at` integer NOT NULL,
	`deadline` integer NOT NULL,
	`ended_at` integer,
	`outcome` text NOT NULL,
	`error` text,
	PRIMARY KEY(`task_id`, `attempt`)
);
--> statement-breakpoint
CREATE INDEX `squad_task_attempts_message` ON `squad_task_attempts` (`message_id`);--> statement-breakpoint
CREATE INDEX `squad_task_attempts_running` ON `squad_task_attempts` (`outcome`,`agent`);--> statement-breakpoint
CREATE TABLE `squad_tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`action` text NOT NULL,
	`subject` text,
	`fingerprint` text,
	`severity` text NOT NULL,
	`origin` text NOT NULL,
	`cycle_id` text,
	`weak_point_id` text,
	`evidence` text NOT NULL,
	`squad_id` text,
	`status` text NOT NULL,
	`agent` text,
	`attempts` integer NOT NULL,
	`max_attempts` integer NOT NULL,
	`timeout_ms` integer NOT NULL,
	`next_attempt_at` integer,
	`result` text,
	`error` text,
	`history` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`closed_at` integer
);
--> statement-breakpoint
CREATE INDEX `squad_tasks_created` ON `squad_tasks` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `squad_tasks_status` ON `squad_tasks` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `squad_tasks_fingerprint` ON `squad_tasks` (`fingerprint`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `squad_tasks_open_fingerprint` ON `squad_tasks` (`fingerprint`) WHERE status IN ('pending-approval', 'approved', 'dispatched');--> statement-breakpoint
CREATE TABLE `squads` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`members` text NOT NULL,
	`capabilities` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `squads_name` ON `squads` (`name`);--> statement-breakpoint
CREATE INDEX `squads_created` ON `squads` (`created_at`,`id`);