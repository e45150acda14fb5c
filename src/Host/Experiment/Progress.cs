using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Unlearning.Host.Experiment;

/// <summary>Progress of one stage: how much of a known total is done, and a short status.</summary>
public interface IStageProgress : IDisposable
{
    void Advance(long amount = 1);

    /// <summary>A short status after the bar (for example the current loss).</summary>
    void Status(string text);
}

/// <summary>Where stages report progress and messages: live bars in a terminal, plain lines otherwise.</summary>
public interface IRunProgress
{
    IStageProgress Start(string description, long total, string unit);

    void Message(string text);
}

/// <summary>Plain lines: a stage's start, then at most one line every few seconds, then its end. For pipes, logs and tests.</summary>
public sealed class PlainProgress(TextWriter output, TimeSpan? every = null) : IRunProgress
{
    private readonly TimeSpan _every = every ?? TimeSpan.FromSeconds(5);

    public IStageProgress Start(string description, long total, string unit)
    {
        output.WriteLine($"{description}: 0/{total} {unit}");
        return new Stage(this, description, total, unit);
    }

    public void Message(string text) => output.WriteLine(text);

    private sealed class Stage(PlainProgress owner, string description, long total, string unit) : IStageProgress
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _lastLine = TimeSpan.Zero;
        private long _done;
        private string _status = "";

        public void Advance(long amount = 1)
        {
            _done += amount;
            if (_clock.Elapsed - _lastLine >= owner._every && _done < total)
            {
                _lastLine = _clock.Elapsed;
                owner.Message(Line());
            }
        }

        public void Status(string text) => _status = text;

        public void Dispose() => owner.Message(Line() + $" in {Duration(_clock.Elapsed)}");

        private string Line()
        {
            var seconds = _clock.Elapsed.TotalSeconds;
            var rate = seconds > 0 ? _done / seconds : 0;
            var eta = rate > 0 && _done < total ? $", ETA {Duration(TimeSpan.FromSeconds((total - _done) / rate))}" : "";
            var status = _status.Length > 0 ? $" {_status}" : "";
            return $"{description}: {_done}/{total} {unit} ({rate.ToString("0.0", CultureInfo.InvariantCulture)} {unit}/s{eta}){status}";
        }
    }

    internal static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}

/// <summary>Spectre.Console bars with rate and ETA; the work runs inside <see cref="Run"/>.</summary>
public sealed class LiveProgress : IRunProgress
{
    private readonly ProgressContext _context;
    private readonly IAnsiConsole _console;
    private readonly RateColumn _rate;

    private LiveProgress(ProgressContext context, IAnsiConsole console, RateColumn rate)
    {
        _context = context;
        _console = console;
        _rate = rate;
    }

    public static T Run<T>(IAnsiConsole console, Func<IRunProgress, T> work)
    {
        T result = default!;
        var rate = new RateColumn();
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn(),
                new PercentageColumn(),
                rate,
                new ElapsedTimeColumn(),
                new RemainingTimeColumn(),
                new SpinnerColumn())
            .Start(ctx => result = work(new LiveProgress(ctx, console, rate)));
        return result;
    }

    public IStageProgress Start(string description, long total, string unit)
    {
        var task = _context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, total));
        _rate.Units[task.Id] = unit;
        return new Stage(task, description);
    }

    public void Message(string text) => _console.MarkupLine(Markup.Escape(text));

    private sealed class Stage(ProgressTask task, string description) : IStageProgress
    {
        public void Advance(long amount = 1) => task.Increment(amount);

        public void Status(string text) => task.Description = Markup.Escape($"{description} {text}");

        public void Dispose()
        {
            task.Value = task.MaxValue;
            task.StopTask();
        }
    }

    /// <summary>Items per second with the stage's unit ("12.5 steps/s").</summary>
    private sealed class RateColumn : ProgressColumn
    {
        public System.Collections.Concurrent.ConcurrentDictionary<int, string> Units { get; } = new();

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var unit = Units.GetValueOrDefault(task.Id, "");
            var speed = task.Speed;
            return new Text(speed is null ? "" : $"{speed.Value.ToString("0.0", CultureInfo.InvariantCulture)} {unit}/s", new Style(Color.Grey));
        }
    }
}
