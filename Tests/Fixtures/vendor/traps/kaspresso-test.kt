import com.kaspersky.kaspresso.testcases.api.testcase.TestCase
class LoginTest : TestCase() { /* UI tests with Kaspresso, Kaspersky's open-source test framework */ }
