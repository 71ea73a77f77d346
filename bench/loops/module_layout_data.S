/*
 * The default module layout table, built into the binary so that every
 * run (and a copy of the binary in a virtual machine) has it.
 */
	.section .rodata
	.globl refbench_module_layout_csv
	.globl refbench_module_layout_csv_end
refbench_module_layout_csv:
	.incbin "kernels/data/module-layout-debian12-amd64.csv"
refbench_module_layout_csv_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
