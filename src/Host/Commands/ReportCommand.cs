using System.CommandLine;
using Unlearning.Core.Errors;
using Unlearning.Core.Experiment;
using Unlearning.Core.Report;
using Unlearning.Host.Experiment;
using Unlearning.Host.Reporting;

namespace Unlearning.Host.Commands;

/// <summary><c>unlearn report RUN_DIR</c>: the report of a finished run, from its Parquet tables only.</summary>
public static class ReportCommand
{
    private static readonly Stage TablesStage = new(StageKind.Tables, ExperimentPlan.TablesId, []);
    private static readonly Stage ReportStage = new(StageKind.Report, ExperimentPlan.ReportId, []);

    public static Command Build(ReadRunTables read)
    {
        var directory = new Argument<string>("RUN_DIR") { Description = "A run folder holding runs.parquet, examples.parquet, steps.parquet and populations.parquet." };
        var resamples = new Option<int>("--resamples") { Description = "Bootstrap resamples per interval.", DefaultValueFactory = _ => new ReportSettings().Resamples, HelpName = "N" };
        var seed = new Option<ulong?>("--seed") { Description = "Bootstrap seed (default: the run's seed from runs.parquet).", HelpName = "N" };
        var command = new Command(
            "report",
            "Write report.md, report.html and the figures (SVG, and PNG when rsvg-convert is installed) into a run folder: "
            + "does the paper's finding hold on this run? Reads only the folder's Parquet tables.")
        {
            directory, resamples, seed,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var dir = parse.GetValue(directory)!;
            if (!Directory.Exists(dir))
            {
                error.WriteLine($"{Cli.Name} report: {dir}: expected a run folder, found no such directory");
                return ExitCodes.BadInput;
            }

            var n = parse.GetValue(resamples);
            if (n < 1)
            {
                error.WriteLine($"{Cli.Name} report: --resamples: expected a positive count, found {n}");
                return ExitCodes.BadInput;
            }

            var settings = new ReportSettings { Resamples = n, Seed = parse.GetValue(seed) };
            var taken = RunLock.Take(dir, "report");
            if (taken.IsLeft)
            {
                error.WriteLine($"{Cli.Name} report: {taken.Match(_ => "", e => e.ToString())}");
                return ExitCodes.Locked;
            }

            using var held = taken.Match(l => l, _ => throw new InvalidOperationException());
            var folder = new RunFolder(dir);
            folder.RemoveLeftovers();
            RunJournal? journal;
            try
            {
                // A run folder's tables are checked against its manifest before they are read.
                journal = RunJournal.OpenExisting(folder);
                var damaged = journal?.Damaged(TablesStage) ?? [];
                if (damaged.Count > 0)
                {
                    foreach (var e in damaged)
                    {
                        error.WriteLine($"{Cli.Name} report: {e} (rerun `unlearn run` on the folder to recompute the tables)");
                    }

                    return ExitCodes.BadInput;
                }

                journal?.Begin(ReportStage);
            }
            catch (InputException e)
            {
                error.WriteLine($"{Cli.Name} report: {e.Error}");
                return ExitCodes.BadInput;
            }

            return ReportFiles.Write(dir, read, Rasterizer.Find(), settings).Match(
                written =>
                {
                    foreach (var notice in written.Notices)
                    {
                        error.WriteLine($"{Cli.Name} report: note: {notice}");
                    }

                    foreach (var line in Claims.Lines(written.Model.ClaimRows))
                    {
                        output.WriteLine(line);
                    }

                    journal?.Record(ReportStage);
                    output.WriteLine($"wrote {Path.Combine(dir, ReportFiles.MarkdownFile)}, {Path.Combine(dir, ReportFiles.HtmlFile)} and {written.Files.Count - 2} figure files");
                    return ExitCodes.Success;
                },
                e =>
                {
                    error.WriteLine($"{Cli.Name} report: {e}");
                    return ExitCodes.BadInput;
                });
        });
        return command;
    }
}
