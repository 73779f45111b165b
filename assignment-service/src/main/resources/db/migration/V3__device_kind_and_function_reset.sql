-- How each device of an assignment reaches memory, so that a noiommu device (untranslated DMA) is shown
-- as unsafe wherever the assignment is, and whether its agent found a function reset on it when it
-- prepared it (null until then): a release fences the free members of the reset set of a device
-- without one, so that the set can be reset as a whole.
alter table assignment_devices add column kind text not null default 'PHYSICAL' check (kind in ('PHYSICAL', 'NOIOMMU'));
alter table assignment_devices add column function_reset boolean;
