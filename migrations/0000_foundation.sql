CREATE TABLE `commit_parents` (
	`child` text NOT NULL,
	`parent` text NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`child`, `position`)
);
--> statement-breakpoint
CREATE INDEX `commit_parents_parent` ON `commit_parents` (`parent`);--> statement-breakpoint
CREATE TABLE `commits` (
	`id` text PRIMARY KEY NOT NULL,
	`worldline` text NOT NULL,
	`tree` text NOT NULL,
	`author` text NOT NULL,
	`message` text NOT NULL,
	`time` integer NOT NULL,
	`generation` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `lineage` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`from_id` text NOT NULL,
	`to_id` text NOT NULL,
	`kind` text NOT NULL,
	`commit_id` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `lineage_to` ON `lineage` (`to_id`);--> statement-breakpoint
CREATE INDEX `lineage_from` ON `lineage` (`from_id`);--> statement-breakpoint
CREATE TABLE `objects` (
	`hash` text PRIMARY KEY NOT NULL,
	`body` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `worldlines` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`privacy` text NOT NULL,
	`head` text NOT NULL,
	`green` text,
	`parent` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `worldlines_created` ON `worldlines` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `worldlines_status` ON `worldlines` (`status`,`created_at`);