rule sft_epochs:
    """Paper F1: the SFT epoch ablation, as a table and a figure."""
    input:
        metrics_files(EVAL_MODELS),
    output:
        csv=f"{R}/tables/sft_epochs.csv",
        md=report(f"{R}/tables/sft_epochs.md", caption="../report/sft_epochs_table.rst", category="SFT epochs"),
        png=report(f"{R}/figures/sft_epochs.png", caption="../report/sft_epochs_figure.rst", category="SFT epochs"),
    params:
        budget=REPORT_BUDGET,
        title=f"SFT epoch ablation (paper F1), preset {config['preset']}",
    log:
        f"{R}/logs/tables/sft_epochs.log",
    benchmark:
        f"{R}/benchmarks/tables/sft_epochs.tsv"
    conda:
        "../../envs/report.yaml"
    shell:
        "fastmath-r1 sft-epochs --metrics {input} --budget {params.budget} --title {params.title:q} "
        "--out-csv {output.csv} --out-md {output.md} --out-png {output.png} > {log} 2>&1"
