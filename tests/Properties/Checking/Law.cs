using FsCheck;
using FsCheck.Fluent;

namespace Unlearning.Properties.Checking;

/// <summary>
/// What is left of the suite's own property runner, now that properties are FsCheck.Xunit
/// <c>[Property]</c> methods (README, "Testing conventions"). Nothing needs it that <c>[Property]</c>
/// cannot express: it stays only for the one call in <c>Storage/DuckDbInteropTests.cs</c>, which
/// the branch moving the DuckDB tests in-process owns, and goes once that call is a <c>[Property]</c>.
/// A failure throws FsCheck's report (original and shrunk counterexample, and the seed).
/// </summary>
public static class Law
{
    public static void ForAll<T>(Gen<T> gen, Action<T> law, int runs = 100) =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(runs), Prop.ForAll(gen.ToArbitrary(), law));
}
