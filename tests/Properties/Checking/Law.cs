using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;

namespace Unlearning.Properties.Checking;

/// <summary>
/// FsCheck 3 wired into xunit in one call (FsCheck.Xunit is not available here):
/// <code>[Fact] public void Law_name() => Law.ForAll(gen, x => ...);</code>
/// A failure throws <see cref="LawFailedException"/> with FsCheck's report (original and shrunk
/// counterexample) and the replay seed. Setting <c>UNLEARNING_REPLAY="seed,gamma"</c> (as printed)
/// replays that run; <c>UNLEARNING_PROPERTY_RUNS=N</c> changes the number of cases.
/// </summary>
public static class Law
{
    public const string ReplayVariable = "UNLEARNING_REPLAY";
    public const string RunsVariable = "UNLEARNING_PROPERTY_RUNS";

    public static void ForAll<T>(Gen<T> gen, Func<T, bool> law, int runs = 100) =>
        Check(Prop.ForAll(gen.ToArbitrary(), law), runs);

    public static void ForAll<T>(Gen<T> gen, Action<T> law, int runs = 100) =>
        Check(Prop.ForAll(gen.ToArbitrary(), law), runs);

    public static void ForAll<T>(Arbitrary<T> arb, Func<T, bool> law, int runs = 100) =>
        Check(Prop.ForAll(arb, law), runs);

    public static void ForAll<T>(Arbitrary<T> arb, Action<T> law, int runs = 100) =>
        Check(Prop.ForAll(arb, law), runs);

    public static void ForAll<T1, T2>(Gen<T1> g1, Gen<T2> g2, Func<T1, T2, bool> law, int runs = 100) =>
        Check(Prop.ForAll(g1.ToArbitrary(), g2.ToArbitrary(), law), runs);

    public static void ForAll<T1, T2, T3>(Gen<T1> g1, Gen<T2> g2, Gen<T3> g3, Func<T1, T2, T3, bool> law, int runs = 100) =>
        Check(Prop.ForAll(g1.ToArbitrary(), g2.ToArbitrary(), g3.ToArbitrary(), law), runs);

    /// <summary>Checks any FsCheck property with the replay seed from the environment, if set.</summary>
    public static void Check(Property property, int runs = 100, string? replay = null)
    {
        var config = Config.Quick
            .WithMaxTest(RunsFromEnvironment() ?? runs)
            .WithReplay(ParseReplay(replay ?? Environment.GetEnvironmentVariable(ReplayVariable)))
            .WithRunner(new ThrowingRunner());
        FsCheck.Check.One(config, property);
    }

    internal static FSharpOption<Replay> ParseReplay(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return FSharpOption<Replay>.None;
        }

        var parts = text.Trim().Trim('(', ')').Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length < 2
            || !ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seed)
            || !ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var gamma))
        {
            throw new ArgumentException($"{ReplayVariable}: expected \"seed,gamma\" as printed by a failed law, found \"{text}\"");
        }

        var size = parts.Length > 2 && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var s)
            ? FSharpOption<int>.Some(s)
            : FSharpOption<int>.None;
        return FSharpOption<Replay>.Some(new Replay(new Rnd(seed, gamma), size));
    }

    private static int? RunsFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable(RunsVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : null;

    /// <summary>Turns FsCheck's verdict into an xunit failure that carries the whole report.</summary>
    private sealed class ThrowingRunner : IRunner
    {
        public void OnStartFixture(Type t)
        {
        }

        public void OnArguments(int ntest, FSharpList<object> args, FSharpFunc<int, FSharpFunc<FSharpList<object>, string>> every)
        {
        }

        public void OnShrink(FSharpList<object> args, FSharpFunc<FSharpList<object>, string> everyShrink)
        {
        }

        public void OnFinished(string name, TestResult result)
        {
            if (result.IsPassed)
            {
                return;
            }

            var report = Runner.onFinishedToString(name, result);
            if (result is TestResult.Failed failed)
            {
                var rnd = failed.Item5;
                report += $"{Environment.NewLine}Replay this run: {ReplayVariable}=\"{rnd.Seed},{rnd.Gamma}\"";
            }

            throw new LawFailedException(report);
        }
    }
}

public sealed class LawFailedException(string message) : Exception(message);
