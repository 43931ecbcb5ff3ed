// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;

/// @title Vault
/// @notice Ether deposits withdrawable by their owner. `withdraw` makes the
///         external call before zeroing the balance, so it can be re-entered.
contract Vault {
    mapping(address => uint256) public balances;

    event Deposited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);

    function deposit() external payable {
        balances[msg.sender] += msg.value;
        emit Deposited(msg.sender, msg.value);
    }

    function withdraw() external {
        uint256 amount = balances[msg.sender];
        require(amount > 0, "nothing to withdraw");
        (bool ok, ) = msg.sender.call{value: amount}(""); // SWC-107
        require(ok, "transfer failed");
        balances[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
    }
}
